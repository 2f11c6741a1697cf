import { HeaderFlag, RCode } from '../../dns/constants.ts';
import { toFqdn } from '../../dns/names.ts';
import { isWalkable } from '../../dns/reply-records.ts';
import type { DomainName, Query, Reply } from '../../dns/types.ts';
import type { Logger } from '../../log.ts';
import type { ClusterChanges } from '../../toolkit/offers.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { minimalTtl, ResponseFacts, ResponseKind } from './classify.ts';
import { CacheItem, ownedReply, withUniformTtl } from './item.ts';
import { CacheMetrics, type CacheServerCounters } from './metrics.ts';
import type { CacheOptions, CacheTier } from './parse.ts';
import { forClient, KnownShape, type Storability, timeless } from './pass-through.ts';
import { CACHE_BYTES, cacheKey, CacheStore } from './store.ts';

/** Time as the cache sees it: `now` is monotonic milliseconds, `wallSeconds` dates RRSIG validity. */
export interface CacheClock {
  now(): number;
  wallSeconds(): number;
}

export const systemClock: CacheClock = {
  now: () => performance.now(),
  wallSeconds: () => Date.now() / 1000,
};

/** What storing a response gave: the reply for the client, and the item stored, if any. */
interface Admission {
  readonly response: Reply;
  readonly item: CacheItem | null;
}

/** A refresh of a stale item: `refreshed` when the answer may replace it (RFC 8767 section 4). */
type RefreshOutcome = { readonly refreshed: false } | (Admission & { readonly refreshed: true });

const NOT_REFRESHED: RefreshOutcome = Object.freeze({ refreshed: false });
const NO_DEPENDENCIES: readonly string[] = [];

/**
 * One query on its way through the cache: what a miss, a stale answer and a refresh pass along,
 * as CoreDNS's cache carries its request.Request and ResponseWriter. Only a query that goes down
 * the chain or starts a refresh makes one; a fresh hit answers without it.
 */
interface CacheQuery {
  readonly request: Request;
  readonly next: Handler;
  /** The query's key in both caches. */
  readonly key: string;
  /** The counters of the listener the query came in on. */
  readonly counters: CacheServerCounters;
  /** The client asked for DNSSEC (DO) or AD: the answer keeps AD. */
  readonly wantsAd: boolean;
  /** When it came in, on the cache's clock. */
  readonly now: number;
  /** Where the cluster answers it gets note what they depend on; null when nothing follows the cluster or nothing can be stored. */
  readonly dependencies: Set<string> | null;
  /** The cluster changes heard when it was made: an answer from an older cluster is not stored. */
  readonly changesSeen: number;
}

function clampTtl(seconds: number, tier: CacheTier): number {
  return Math.min(Math.max(seconds, tier.minTtl), tier.maxTtl);
}

/** Whether a reply was made for this question (CoreDNS's state.Match); a body for any question matches. */
function matchesQuestion(query: Query, reply: Reply): boolean {
  return reply.qname === null || reply.qname === query.name;
}

/**
 * The query a background refresh sends down the chain: no client behind it (CoreDNS's prefetch
 * writer has an empty TCP address, so forward uses TCP and nothing is truncated), and AD set so an
 * upstream says whether it validated the answer.
 */
function inBackground(asked: CacheQuery): CacheQuery {
  const { query, server, zone } = asked.request;
  const raw = Buffer.from(query.raw);
  raw[3] = (raw[3] as number) | HeaderFlag.AD;
  const request: Request = {
    query: { ...query, raw, flags: query.flags | HeaderFlag.AD },
    transport: 'tcp',
    remoteAddress: '',
    remotePort: 0,
    localAddress: '',
    localPort: 0,
    server,
    zone,
  };
  return { ...asked, request, wantsAd: true };
}

/**
 * CoreDNS's cache plugin over Replies: answers from the positive or the denial cache with TTLs
 * counted down, otherwise asks the rest of the chain and stores what it returns.
 */
export class Cache {
  readonly metrics: CacheMetrics;
  readonly store: CacheStore;
  private readonly options: CacheOptions;
  private readonly zones: readonly DomainName[];
  private readonly clock: CacheClock;
  private readonly logger: Logger;
  /** CoreDNS compares whole seconds past expiry against the stale window. */
  private readonly staleUpToSeconds: number;
  private readonly wallSeconds: () => number;
  /** Shapes of replies the cache passed on without storing, by Reply object (see KnownShape). */
  private readonly knownShapes = new WeakMap<Reply, KnownShape>();
  /** The block's cluster, once followed: what its answers depend on and when they change. */
  private changes: ClusterChanges | null = null;
  private changesHeard = 0;

  /**
   * `threads` caches share the configured capacity and bytes (one per thread with `-workers`):
   * each holds its part, so the process holds what the Corefile says.
   */
  constructor(options: CacheOptions, zones: readonly DomainName[], clock: CacheClock, logger: Logger, threads = 1) {
    this.options = options;
    this.zones = zones;
    this.clock = clock;
    this.logger = logger;
    this.store = new CacheStore(options.success.capacity / threads, options.denial.capacity / threads, CACHE_BYTES / threads);
    this.metrics = new CacheMetrics(zones.map(toFqdn).join(','), () => this.store.sizes());
    this.staleUpToSeconds = Math.trunc(options.serveStale.upToMs / 1000);
    this.wallSeconds = () => clock.wallSeconds();
  }

  handler(next: Handler): Handler {
    return (request) => this.serve(request, next);
  }

  /**
   * Keeps the items made from cluster answers coherent with `changes`: each stored answer notes
   * what it was computed from, and a change drops the items it touches. Returns the unsubscribe.
   */
  follow(changes: ClusterChanges): () => void {
    this.changes = changes;
    const unsubscribe = changes.subscribe((keys) => {
      this.changesHeard++;
      const dropped = this.store.dropDependents(keys);
      if (dropped > 0) this.logger.debug({ dropped, keys }, 'cache dropped answers the cluster changed');
    });
    return () => {
      unsubscribe();
      this.changes = null;
    };
  }

  private serve(request: Request, next: Handler): Reply | Promise<Reply> {
    const { query } = request;
    if (matchZone(this.zones, query.name) === null) return next(request);
    const now = this.clock.now();
    const counters = this.metrics.forServer(request.server);
    const dnssecOk = query.edns !== null && query.edns.dnssecOk;
    const wantsAd = dnssecOk || (query.flags & HeaderFlag.AD) !== 0;
    counters.requests++;
    if (this.neverStored(query.name)) {
      // kubeadm's `disable success/denial cluster.local`: a miss as CoreDNS counts it, without a key to look up.
      counters.misses++;
      return this.fetch({ request, next, key: '', counters, wantsAd, now, dependencies: null, changesSeen: this.changesHeard });
    }
    const key = cacheKey(query, dnssecOk);
    // A fresh hit, the common case, answers without a CacheQuery; a miss, a stale item or a prefetch makes one.
    const item = this.lookup(now, key, counters);
    if (item === null) return this.fetch(this.asking(request, next, key, counters, wantsAd, now));
    const ttl = item.ttl(now);
    if (ttl <= 0) {
      const asked = this.asking(request, next, key, counters, wantsAd, now);
      const { verify, failureRecheckMs } = this.options.serveStale;
      if (verify && (failureRecheckMs === 0 || item.beginRefresh(now, failureRecheckMs))) return this.verifyStale(asked, item);
      return this.serveStale(asked, item);
    }
    if (this.shouldPrefetch(item, now)) this.startRefresh(this.asking(request, next, key, counters, wantsAd, now), item, false);
    return item.answer(this.options.keepTtl ? item.origTtl : ttl, wantsAd);
  }

  private asking(request: Request, next: Handler, key: string, counters: CacheServerCounters, wantsAd: boolean, now: number): CacheQuery {
    const dependencies = this.changes === null ? null : new Set<string>();
    return { request, next, key, counters, wantsAd, now, dependencies, changesSeen: this.changesHeard };
  }

  /** The rest of the chain's answer, noting what in the cluster it was computed from. */
  private ask(asked: CacheQuery): Reply | Promise<Reply> {
    const { changes } = this;
    if (changes === null || asked.dependencies === null) return asked.next(asked.request);
    return changes.recording(asked.dependencies, () => asked.next(asked.request));
  }

  /** The item to answer from (CoreDNS's getIfNotStale): fresh, or stale within serve_stale. */
  private lookup(now: number, key: string, counters: CacheServerCounters): CacheItem | null {
    const { success, denial } = this.store;
    if (this.options.preferPositive && this.staleUpToSeconds > 0) {
      const positive = success.get(key)?.answeringItem();
      if (positive != null && this.usable(positive, now)) {
        counters.successHits++;
        return positive;
      }
    }
    const negative = denial.get(key);
    if (negative !== undefined && this.usable(negative, now)) {
      // A SERVFAIL is transient: a good positive answer still in the cache wins over it.
      const positive = negative.rcode === RCode.SERVFAIL ? this.usablePositive(key, now) : null;
      if (positive !== null) {
        counters.successHits++;
        return positive;
      }
      counters.denialHits++;
      return negative;
    }
    const positive = this.usablePositive(key, now);
    if (positive !== null) {
      counters.successHits++;
      return positive;
    }
    counters.misses++;
    return null;
  }

  private usablePositive(key: string, now: number): CacheItem | null {
    const item = this.store.success.get(key);
    return item !== undefined && this.usable(item, now) ? item : null;
  }

  private usable(item: CacheItem, now: number): boolean {
    const ttl = item.ttl(now);
    return ttl > 0 || (this.staleUpToSeconds > 0 && -ttl < this.staleUpToSeconds);
  }

  private fetch(asked: CacheQuery): Reply | Promise<Reply> {
    const result = this.ask(asked);
    if (isPromiseLike(result)) return Promise.resolve(result).then((reply) => this.admit(asked, reply, false).response);
    return this.admit(asked, result, false).response;
  }

  /**
   * What CoreDNS's caching ResponseWriter does with a reply: every TTL set to the time it is cached
   * for (so clients see the same TTL now and from the cache later), stored unless it is not
   * cacheable or its zone is disabled, AD cleared for clients that asked for neither DO nor AD.
   * `background` marks a refresh without a client (it also replaces a denial of the name).
   * A reply that is not stored keeps its shape for the next query that gets the same Reply object.
   */
  private admit(asked: CacheQuery, reply: Reply, background: boolean): Admission {
    const { query } = asked.request;
    const { wantsAd } = asked;
    const known = this.knownShapes.get(reply);
    if (known !== undefined && known.holdsFor(query) && !this.stores(asked, reply, known.kind, known.seconds, known)) {
      return { response: known.response(wantsAd), item: null };
    }
    if (!isWalkable(reply)) return { response: reply, item: null };
    const facts = new ResponseFacts(query, reply);
    const kind = facts.kind(this.wallSeconds);
    const seconds = this.cacheSeconds(reply, kind);
    const ttl = Math.trunc(seconds);
    const uniform = withUniformTtl(reply, ttl);
    if (this.stores(asked, reply, kind, seconds, facts)) {
      const dependencies = asked.dependencies === null || asked.dependencies.size === 0 ? NO_DEPENDENCIES : [...asked.dependencies];
      // The cluster changed while the answer was on its way: it may be wrong already, so it is not kept.
      if (dependencies.length > 0 && asked.changesSeen !== this.changesHeard) return { response: forClient(uniform, wantsAd), item: null };
      const answering = isPositive(kind) && this.options.preferPositive && facts.answersQuestion();
      const item = new CacheItem(ownedReply(uniform), ttl, this.clock.now(), answering, dependencies);
      this.put(asked, item, kind, background);
      return { response: forClient(uniform, wantsAd), item };
    }
    if (!timeless(query, reply)) return { response: forClient(uniform, wantsAd), item: null };
    const shape = new KnownShape(query, reply, kind, seconds, facts.storable(kind), uniform);
    this.knownShapes.set(reply, shape);
    return { response: shape.response(wantsAd), item: null };
  }

  /** Whether the reply goes into a cache; a storable one made for another question counts as a drop. */
  private stores(asked: CacheQuery, reply: Reply, kind: ResponseKind, seconds: number, facts: Storability): boolean {
    if (seconds <= 0) return false;
    const { query } = asked.request;
    // Made for the question as its client spelled it (kubernetes): that spelling is not for others.
    if (reply.qname !== null && reply.qname !== query.name && reply.qname.toLowerCase() === query.name) return false;
    if (!matchesQuestion(query, reply)) {
      if (facts.storable(kind)) asked.counters.drops++;
      return false;
    }
    return !this.disabled(query.name, kind) && facts.storable(kind);
  }

  private cacheSeconds(reply: Reply, kind: ResponseKind): number {
    const { success, denial, servfailTtl } = this.options;
    switch (kind) {
      case ResponseKind.NameError:
      case ResponseKind.NoData:
        return clampTtl(minimalTtl(reply, kind, denial.maxTtl), denial);
      case ResponseKind.ServerError:
        return servfailTtl;
      default:
        return clampTtl(minimalTtl(reply, kind, success.maxTtl), success);
    }
  }

  /** Names neither cache stores anything for: lookups would always miss. */
  private neverStored(name: DomainName): boolean {
    const { disabledSuccess, disabledDenial } = this.options;
    return disabledSuccess.length > 0 && disabledDenial.length > 0 && matchZone(disabledSuccess, name) !== null && matchZone(disabledDenial, name) !== null;
  }

  private disabled(name: DomainName, kind: ResponseKind): boolean {
    return matchZone(isPositive(kind) ? this.options.disabledSuccess : this.options.disabledDenial, name) !== null;
  }

  /** Stores `item` in the positive or the denial cache, as its kind says. */
  private put(asked: CacheQuery, item: CacheItem, kind: ResponseKind, background: boolean): void {
    const { key, counters } = asked;
    if (!isPositive(kind)) {
      this.store.storeDenial(key, item, counters);
      return;
    }
    const { preferPositive } = this.options;
    const { success, denial } = this.store;
    if (preferPositive && !item.answering) item.keepLastKnownGood(success.peek(key)?.answeringItem() ?? null);
    this.store.storeSuccess(key, item, counters);
    // The newest state of the name: a refreshed positive answer retires an older denial.
    if ((!preferPositive && background) || (preferPositive && item.answering)) denial.delete(key);
  }

  /** Prefetch when the item was popular within the window and little of its TTL is left. */
  private shouldPrefetch(item: CacheItem, now: number): boolean {
    const { amount, windowMs, percentage } = this.options.prefetch;
    if (amount <= 0) return false;
    item.hit(windowMs, now);
    const threshold = Math.ceil((percentage / 100) * item.origTtl);
    return item.hits >= amount && item.ttl(now) <= threshold;
  }

  /** Answers from an expired item (serve_stale), refreshing it in the background unless verifying. */
  private serveStale(asked: CacheQuery, item: CacheItem): Reply {
    const { verify, responseTtl } = this.options.serveStale;
    if (!verify) this.startRefresh(asked, item, true);
    asked.counters.servedStale++;
    const ttl = responseTtl > 0 ? responseTtl : this.options.keepTtl ? item.origTtl : 0;
    return item.answer(ttl, asked.wantsAd);
  }

  /**
   * `serve_stale ... verify`: asks the next plugin first; a refreshing answer goes to the client,
   * anything else (an error, a timeout with VERIFY_TIMEOUT) serves the stale item.
   */
  private async verifyStale(asked: CacheQuery, item: CacheItem): Promise<Reply> {
    const { verifyTimeoutMs, failureRecheckMs } = this.options.serveStale;
    const background = verifyTimeoutMs > 0;
    const pending = this.refreshStale(asked, background).then((outcome) => {
      if (failureRecheckMs > 0) item.endRefresh(this.clock.now(), failureRecheckMs, outcome.refreshed);
      return outcome;
    });
    const outcome = background ? await withTimeout(pending, verifyTimeoutMs) : await pending;
    if (outcome !== null && outcome.refreshed) {
      // A background verify cached the answer without shaping it for this client: answer from the item.
      if (!background || outcome.item === null) return outcome.response;
      const fresh = outcome.item;
      return fresh.answer(this.options.keepTtl ? fresh.origTtl : Math.max(fresh.ttl(this.clock.now()), 0), asked.wantsAd);
    }
    return this.serveStale(asked, item);
  }

  /** Asks again for a stale item; never rejects (a failure is an outcome that did not refresh). */
  private async refreshStale(asked: CacheQuery, background: boolean): Promise<RefreshOutcome> {
    try {
      const reply = await this.ask(asked);
      return this.acceptRefresh(asked, reply, background);
    } catch (error) {
      this.logger.debug({ err: error, qname: toFqdn(asked.request.query.name) }, 'cache refresh failed');
      return NOT_REFRESHED;
    }
  }

  /**
   * Only NOERROR and NXDOMAIN answers replace a stale item (RFC 8767 section 4); with
   * prefer_positive only an answer to the question does, though any other is still stored.
   */
  private acceptRefresh(asked: CacheQuery, reply: Reply, background: boolean): RefreshOutcome {
    const { query } = asked.request;
    if (!isWalkable(reply) || (reply.flags & HeaderFlag.TC) !== 0 || !matchesQuestion(query, reply)) return NOT_REFRESHED;
    const facts = new ResponseFacts(query, reply);
    const wall = this.wallSeconds;
    if (this.options.preferPositive) {
      if (facts.usableAnswer(wall)) return { refreshed: true, ...this.admit(asked, reply, background) };
      this.admit(asked, reply, true);
      return NOT_REFRESHED;
    }
    const kind = facts.typify(wall);
    if (kind === ResponseKind.OtherError || kind === ResponseKind.Meta) return NOT_REFRESHED;
    if (reply.rcode !== RCode.NOERROR && reply.rcode !== RCode.NXDOMAIN) return NOT_REFRESHED;
    return { refreshed: true, ...this.admit(asked, reply, background) };
  }

  /**
   * Refreshes `item` in the background (prefetch, or a stale item in `immediate` mode), at most
   * once at a time per item, and not within FAILURE_RECHECK of a failed stale refresh.
   */
  private startRefresh(asked: CacheQuery, item: CacheItem, stale: boolean): void {
    const recheckMs = stale ? this.options.serveStale.failureRecheckMs : 0;
    if (!item.beginRefresh(this.clock.now(), recheckMs)) return;
    asked.counters.prefetches++;
    this.runRefresh(inBackground(asked), item, stale, recheckMs).catch((error: unknown) => {
      this.logger.error({ err: error, qname: toFqdn(asked.request.query.name) }, 'cache refresh crashed');
    });
  }

  private async runRefresh(refresh: CacheQuery, item: CacheItem, stale: boolean, recheckMs: number): Promise<void> {
    // A prefetch counts as done whatever came back; a stale refresh only when the answer may replace the item.
    let refreshed = !stale;
    if (stale) {
      refreshed = (await this.refreshStale(refresh, true)).refreshed;
    } else {
      try {
        this.admit(refresh, await this.ask(refresh), true);
      } catch (error) {
        this.logger.debug({ err: error, qname: toFqdn(refresh.request.query.name) }, 'cache prefetch failed');
      }
    }
    // The replacement keeps the popularity gathered so far, so a hot name keeps being prefetched.
    if (refreshed) this.store.exists(refresh.key)?.resetHits(refresh.now, item.hits);
    item.endRefresh(this.clock.now(), recheckMs, refreshed);
  }
}

/** Answers and referrals go to the positive cache, everything else to the denial cache. */
function isPositive(kind: ResponseKind): boolean {
  return kind === ResponseKind.NoError || kind === ResponseKind.Delegation;
}

/** The promise's value, or null when `ms` pass first (the promise carries on). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
