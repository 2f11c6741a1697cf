import { HeaderFlag } from '../../dns/constants.ts';
import { ownedCopy } from '../../dns/owned-bytes.ts';
import type { Reply } from '../../dns/types.ts';

const MS_PER_SECOND = 1000;
const NO_DEPENDENCIES: readonly string[] = [];

/**
 * Copies `reply` with every record's TTL set to `ttl`, as CoreDNS's cache writes one TTL on all
 * records of a message. Returns `reply` itself when its TTLs already all equal `ttl`.
 */
export function withUniformTtl(reply: Reply, ttl: number): Reply {
  const { body, ttlOffsets } = reply;
  let uniform = true;
  for (let i = 0; i < ttlOffsets.length && uniform; i++) uniform = body.readUInt32BE(ttlOffsets[i] as number) === ttl;
  if (uniform) return reply;
  const copy = ownedCopy(body);
  for (let i = 0; i < ttlOffsets.length; i++) copy.writeUInt32BE(ttl, ttlOffsets[i] as number);
  return { ...reply, body: copy, minTtl: ttlOffsets.length > 0 ? ttl : null };
}

/**
 * `reply` in memory of its own. A reply whose body or TTL offsets are views on a larger buffer
 * (the kubernetes memo's slabs, node's shared pool) would keep all of that buffer alive for as
 * long as the item lives, and the memo no longer counts a slab it has let go of.
 */
export function ownedReply(reply: Reply): Reply {
  const { body, ttlOffsets } = reply;
  const bodyOwned = body.byteOffset === 0 && body.length === body.buffer.byteLength;
  const offsetsOwned = ttlOffsets.byteOffset === 0 && ttlOffsets.byteLength === ttlOffsets.buffer.byteLength;
  if (bodyOwned && offsetsOwned) return reply;
  return { ...reply, body: bodyOwned ? body : ownedCopy(body), ttlOffsets: offsetsOwned ? ttlOffsets : ttlOffsets.slice() };
}

/**
 * One cached response. `reply` holds the records with every TTL at `origTtl`; answers are copies
 * with the remaining TTL, made at most once per second of age (and per AD setting) and shared by
 * every query in that second, so a hit rarely allocates.
 */
export class CacheItem {
  readonly reply: Reply;
  readonly origTtl: number;
  /** When it was stored, on the cache's clock (milliseconds). */
  readonly stored: number;
  /** Whether it answers its question (kept for `serve_stale_policy prefer_positive`). */
  readonly answering: boolean;
  /** The last answering item of the key, kept when a non-answer replaced it (prefer_positive). */
  lastKnownGood: CacheItem | null = null;
  /**
   * The cluster's dependency keys of the answers it was made from (see ClusterChanges), its last
   * known good one's included: a change touching one of them drops the item.
   */
  dependencies: readonly string[];

  /** Prefetch popularity: hits with no gap of the prefetch window between them (CoreDNS's freq). */
  private lastSeen = Number.NEGATIVE_INFINITY;
  private hitCount = 0;

  /** At most one refresh of this item in flight; after a failed one, none before `retryAfter`. */
  private refreshing = false;
  private retryAfter = Number.NEGATIVE_INFINITY;

  private servedTtl = -1;
  private servedBody: Buffer | null = null;
  private servedPlain: Reply | null = null;
  private servedAuthenticated: Reply | null = null;

  constructor(reply: Reply, origTtl: number, stored: number, answering: boolean, dependencies = NO_DEPENDENCIES) {
    this.reply = reply;
    this.origTtl = origTtl;
    this.stored = stored;
    this.answering = answering;
    this.dependencies = dependencies;
  }

  /** Keeps `good` as the last answering item (prefer_positive): it goes when what it depends on changes. */
  keepLastKnownGood(good: CacheItem | null): void {
    this.lastKnownGood = good;
    if (good === null || good.dependencies.length === 0) return;
    this.dependencies = [...new Set([...this.dependencies, ...good.dependencies])];
  }

  get rcode(): number {
    return this.reply.rcode;
  }

  /** This item when it answers its question, else the last one of its key that did (prefer_positive). */
  answeringItem(): CacheItem | null {
    if (this.answering) return this;
    return this.lastKnownGood?.answering === true ? this.lastKnownGood : null;
  }

  /** Seconds left at `now`: zero or less once expired (whole seconds of age, truncated). */
  ttl(now: number): number {
    return this.origTtl - Math.trunc((now - this.stored) / MS_PER_SECOND);
  }

  /** Counts a hit: a gap longer than `windowMs` since the last one starts the count over. */
  hit(windowMs: number, now: number): void {
    this.hitCount = this.lastSeen < now - windowMs ? 1 : this.hitCount + 1;
    this.lastSeen = now;
  }

  get hits(): number {
    return this.hitCount;
  }

  /** Carries popularity over to the item that replaced this one after a prefetch. */
  resetHits(now: number, hits: number): void {
    this.lastSeen = now;
    this.hitCount = hits;
  }

  beginRefresh(now: number, failureRecheckMs: number): boolean {
    if (failureRecheckMs > 0 && now < this.retryAfter) return false;
    if (this.refreshing) return false;
    this.refreshing = true;
    return true;
  }

  endRefresh(now: number, failureRecheckMs: number, refreshed: boolean): void {
    this.retryAfter = failureRecheckMs > 0 && !refreshed ? now + failureRecheckMs : Number.NEGATIVE_INFINITY;
    this.refreshing = false;
  }

  /**
   * The reply to send with every TTL at `ttl`. Cached answers are always authoritative (CoreDNS
   * sets AA as some stub resolvers drop non-authoritative answers); AD stays only when the
   * client asked for DNSSEC (DO) or AD itself (RFC 6840 5.7-5.8).
   */
  answer(ttl: number, authenticatedWanted: boolean): Reply {
    if (ttl !== this.servedTtl) {
      this.servedTtl = ttl;
      this.servedBody = ttl === this.origTtl ? this.reply.body : withUniformTtl(this.reply, ttl).body;
      this.servedPlain = null;
      this.servedAuthenticated = null;
    }
    if (authenticatedWanted) return (this.servedAuthenticated ??= this.variant(true));
    return (this.servedPlain ??= this.variant(false));
  }

  private variant(authenticatedWanted: boolean): Reply {
    const keep = authenticatedWanted ? HeaderFlag.RA | HeaderFlag.AD : HeaderFlag.RA;
    const body = this.servedBody as Buffer;
    return {
      ...this.reply,
      flags: HeaderFlag.AA | (this.reply.flags & keep),
      body,
      minTtl: this.reply.ttlOffsets.length > 0 ? this.servedTtl : null,
    };
  }
}
