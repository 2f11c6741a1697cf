import { LRUCache } from 'lru-cache';
import type { Query } from '../../dns/types.ts';
import type { CacheItem } from './item.ts';
import type { CacheServerCounters } from './metrics.ts';

/** CoreDNS splits each cache into 256 shards of at least 4 items: sizes are rounded to that. */
const SHARDS = 256;
const MIN_SHARD_SIZE = 4;

/**
 * What each of the two caches may hold in memory, whatever its capacity in items: 9984 small
 * answers take about 9 MB, while 9984 answers near 4 KB would take 48 MB. Bytes are counted as
 * itemBytes estimates them.
 */
export const CACHE_BYTES = 16 * 2 ** 20;

// Measured on Node 24 (heap used before and after 9984 one-record answers are stored): about 800
// bytes an item besides its wire bytes and key: the item, its Reply, Buffer and TTL offsets, and
// the LRU's slots.
const ITEM_OVERHEAD_BYTES = 750;
// A dependency key of an item made from cluster answers: its slot in the item's list and the
// item's entry in the index under that key. Measured on Node 24 (9984 items, heap used with and
// without): about 250 bytes for a key no other item has (its own map in the index), 60-90 for one
// many items share; a service's A, AAAA, SRV and endpoint names share its key.
const DEPENDENCY_BYTES = 150;

/** An estimate of what one cached item holds, an answer kept for serve_stale and its dependencies included. */
export function itemBytes(item: CacheItem, key: string): number {
  const kept = item.lastKnownGood === null ? 0 : ITEM_OVERHEAD_BYTES + item.lastKnownGood.reply.body.length;
  return ITEM_OVERHEAD_BYTES + 2 * key.length + item.reply.body.length + kept + DEPENDENCY_BYTES * item.dependencies.length;
}

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
 * The positive and the denial caches. Both are LRU maps bounded by items and by bytes, so neither
 * a flood of random names nor of large answers can grow memory past them; an item pushed out
 * counts as an eviction for the listener whose query stored the newcomer. Items made from cluster
 * answers are also indexed by their dependency keys, so a change of the cluster finds them.
 */
export class CacheStore {
  readonly success: LRUCache<string, CacheItem>;
  readonly denial: LRUCache<string, CacheItem>;
  /** Who is storing right now, for the eviction counters (set around each store). */
  private storer: CacheServerCounters | null = null;
  /** By dependency key, the items whose answers were computed from it, each with its cache key. */
  private readonly dependents = new Map<string, Map<CacheItem, string>>();

  constructor(successCapacity: number, denialCapacity: number, maxBytes = CACHE_BYTES) {
    this.success = new LRUCache<string, CacheItem>({
      max: effectiveCapacity(successCapacity),
      maxSize: maxBytes,
      sizeCalculation: itemBytes,
      dispose: (item, _key, reason) => {
        if (reason === 'evict' && this.storer !== null) this.storer.successEvictions++;
        this.unindex(item);
      },
    });
    this.denial = new LRUCache<string, CacheItem>({
      max: effectiveCapacity(denialCapacity),
      maxSize: maxBytes,
      sizeCalculation: itemBytes,
      dispose: (item, _key, reason) => {
        if (reason === 'evict' && this.storer !== null) this.storer.denialEvictions++;
        this.unindex(item);
      },
    });
  }

  storeSuccess(key: string, item: CacheItem, counters: CacheServerCounters): void {
    this.storer = counters;
    this.success.set(key, item);
    this.storer = null;
    if (this.success.peek(key) === item) this.index(item, key);
  }

  storeDenial(key: string, item: CacheItem, counters: CacheServerCounters): void {
    this.storer = counters;
    this.denial.set(key, item);
    this.storer = null;
    if (this.denial.peek(key) === item) this.index(item, key);
  }

  /**
   * Drops every item made from an answer that depends on one of `dependencies`, in both caches;
   * null drops every item made from cluster answers. Returns how many went.
   */
  dropDependents(dependencies: readonly string[] | null): number {
    let dropped = 0;
    const indexes = dependencies === null ? [...this.dependents.values()] : dependencies.map((key) => this.dependents.get(key));
    for (const items of indexes) {
      if (items === undefined) continue;
      // Deleting an item unindexes it from this map too: iterate a copy.
      for (const [item, key] of [...items]) {
        if (this.success.peek(key) === item) this.success.delete(key);
        else if (this.denial.peek(key) === item) this.denial.delete(key);
        else this.unindex(item);
        dropped++;
      }
    }
    return dropped;
  }

  private index(item: CacheItem, key: string): void {
    for (const dependency of item.dependencies) {
      let items = this.dependents.get(dependency);
      if (items === undefined) this.dependents.set(dependency, (items = new Map()));
      items.set(item, key);
    }
  }

  private unindex(item: CacheItem): void {
    for (const dependency of item.dependencies) {
      const items = this.dependents.get(dependency);
      if (items === undefined) continue;
      items.delete(item);
      if (items.size === 0) this.dependents.delete(dependency);
    }
  }

  /** The item under `key` whatever its age, denial first (CoreDNS's exists()). */
  exists(key: string): CacheItem | undefined {
    return this.denial.peek(key) ?? this.success.peek(key);
  }

  sizes(): { success: number; denial: number } {
    return { success: this.success.size, denial: this.denial.size };
  }

  /** What the items hold, as itemBytes estimates it. */
  bytes(): { success: number; denial: number } {
    return { success: this.success.calculatedSize, denial: this.denial.calculatedSize };
  }
}
