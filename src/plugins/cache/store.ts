import { LRUCache } from 'lru-cache';
import type { Query } from '../../dns/types.ts';
import type { CacheItem } from './item.ts';
import type { CacheServerCounters } from './metrics.ts';

/** CoreDNS splits each cache into 256 shards of at least 4 items: sizes are rounded to that. */
const SHARDS = 256;
const MIN_SHARD_SIZE = 4;

/** The number of items a cache of `capacity` holds: a multiple of 256, at least 1024 (9984 for 10000). */
export function effectiveCapacity(capacity: number): number {
  return Math.max(Math.trunc(capacity / SHARDS), MIN_SHARD_SIZE) * SHARDS;
}

/**
 * What an answer is stored under, as CoreDNS's key(): the lower-cased name, type and class, and the
 * DO and CD bits, since answers to DNSSEC-aware and checking-disabled queries differ.
 */
export function cacheKey(query: Query, dnssecOk: boolean): string {
  return `${dnssecOk ? 1 : 0}${query.checkingDisabled ? 1 : 0}${query.type}/${query.class}/${query.name}`;
}

/**
 * The positive and the denial caches. Both are bounded LRU maps, so a flood of random names
 * cannot grow memory past the capacities; an item pushed out counts as an eviction for the
 * listener whose query stored the newcomer.
 */
export class CacheStore {
  readonly success: LRUCache<string, CacheItem>;
  readonly denial: LRUCache<string, CacheItem>;
  /** Who is storing right now, for the eviction counters (set around each store). */
  private storer: CacheServerCounters | null = null;

  constructor(successCapacity: number, denialCapacity: number) {
    this.success = new LRUCache<string, CacheItem>({
      max: effectiveCapacity(successCapacity),
      dispose: (_item, _key, reason) => {
        if (reason === 'evict' && this.storer !== null) this.storer.successEvictions++;
      },
    });
    this.denial = new LRUCache<string, CacheItem>({
      max: effectiveCapacity(denialCapacity),
      dispose: (_item, _key, reason) => {
        if (reason === 'evict' && this.storer !== null) this.storer.denialEvictions++;
      },
    });
  }

  storeSuccess(key: string, item: CacheItem, counters: CacheServerCounters): void {
    this.storer = counters;
    this.success.set(key, item);
    this.storer = null;
  }

  storeDenial(key: string, item: CacheItem, counters: CacheServerCounters): void {
    this.storer = counters;
    this.denial.set(key, item);
    this.storer = null;
  }

  /** The item under `key` whatever its age, denial first (CoreDNS's exists()). */
  exists(key: string): CacheItem | undefined {
    return this.denial.peek(key) ?? this.success.peek(key);
  }

  sizes(): { success: number; denial: number } {
    return { success: this.success.size, denial: this.denial.size };
  }
}
