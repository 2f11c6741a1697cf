import { HeaderFlag, RCode } from '../../dns/constants.ts';
import { toFqdn } from '../../dns/names.ts';
import { isWalkable } from '../../dns/reply-records.ts';
import type { DomainName, Query, Reply } from '../../dns/types.ts';
import type { Logger } from '../../log.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { minimalTtl, ResponseFacts, ResponseKind } from './classify.ts';
import { CacheItem, withUniformTtl } from './item.ts';
import { CacheMetrics, type CacheServerCounters } from './metrics.ts';
import type { CacheOptions, CacheTier } from './parse.ts';
import { forClient, KnownShape, type Storability, timeless } from './pass-through.ts';
import { cacheKey, CacheStore } from './store.ts';

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

function clampTtl(seconds: number, tier: CacheTier): number {
  return Math.min(Math.max(seconds, tier.minTtl), tier.maxTtl);
}

/** Whether a reply was made for this question (CoreDNS's state.Match); a body for any question matches. */
function matchesQuestion(query: Query, reply: Reply): boolean {
  return reply.qname === null || reply.qname === query.name;
}

/**
 * The request a background refresh sends down the chain: no client behind it (CoreDNS's prefetch
 * writer has an empty TCP address, so forward uses TCP and nothing is truncated), and AD set so an
 * upstream says whether it validated the answer.
 */
function backgroundRequest(request: Request): Request {
  const { query } = request;
  const raw = Buffer.from(query.raw);
  raw[3] = (raw[3] as number) | HeaderFlag.AD;
  return {
    query: { ...query, raw, flags: query.flags | HeaderFlag.AD },
    transport: 'tcp',
    remoteAddress: '',
    remotePort: 0,
    localAddress: '',
    localPort: 0,
    server: request.server,
    zone: request.zone,
  };
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

  constructor(options: CacheOptions, zones: readonly DomainName[], clock: CacheClock, logger: Logger) {
    this.options = options;
    this.zones = zones;
    this.clock = clock;
    this.logger = logger;
    this.store = new CacheStore(options.success.capacity, options.denial.capacity);
    this.metrics = new CacheMetrics(zones.map(toFqdn).join(','), () => this.store.sizes());
    this.staleUpToSeconds = Math.trunc(options.serveStale.upToMs / 1000);
    this.wallSeconds = () => clock.wallSeconds();
  }

  handler(next: Handler): Handler {
    return (request) => this.serve(request, next);
  }

  private serve(request: Request, next: Handler): Reply | Promise<Reply> {
    const { query } = request;
    if (matchZone(this.zones, query.name) === null) return next(request);
    const now = this.clock.now();
    const counters = this.metrics.forServer(request.server);
    const dnssecOk = query.edns !== null && query.edns.dnssecOk;
    const wantsAd = dnssecOk || (query.flags & HeaderFlag.AD) !== 0;
    const key = cacheKey(query, dnssecOk);
    counters.requests++;
    const item = this.lookup(now, key, counters);
    if (item === null) return this.fetch(request, next, key, counters, wantsAd);
    const ttl = item.ttl(now);
    if (ttl <= 0) {
      const { verify, failureRecheckMs } = this.options.serveStale;
      if (verify && (failureRecheckMs === 0 || item.beginRefresh(now, failureRecheckMs))) {
        return this.verifyStale(request, next, item, key, counters, wantsAd);
      }
      return this.serveStale(request, next, item, key, counters, wantsAd, now);
    }
    if (this.shouldPrefetch(item, now)) this.startRefresh(request, next, item, key, counters, now, false);
    return item.answer(this.options.keepTtl ? item.origTtl : ttl, wantsAd);
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

  private fetch(request: Request, next: Handler, key: string, counters: CacheServerCounters, wantsAd: boolean): Reply | Promise<Reply> {
    const result = next(request);
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then((reply) => this.admit(request.query, reply, key, counters, wantsAd, false).response);
    }
    return this.admit(request.query, result, key, counters, wantsAd, false).response;
  }

  /**
   * What CoreDNS's caching ResponseWriter does with a reply: every TTL set to the time it is cached
   * for (so clients see the same TTL now and from the cache later), stored unless it is not
   * cacheable or its zone is disabled, AD cleared for clients that asked for neither DO nor AD.
   * `background` marks a refresh without a client (it also replaces a denial of the name).
   * A reply that is not stored keeps its shape for the next query that gets the same Reply object.
   */
  private admit(query: Query, reply: Reply, key: string, counters: CacheServerCounters, wantsAd: boolean, background: boolean): Admission {
    const known = this.knownShapes.get(reply);
    if (known !== undefined && known.holdsFor(query) && !this.stores(query, reply, known.kind, known.seconds, known, counters)) {
      return { response: known.response(wantsAd), item: null };
    }
    if (!isWalkable(reply)) return { response: reply, item: null };
    const facts = new ResponseFacts(query, reply);
    const kind = facts.kind(this.wallSeconds);
    const seconds = this.cacheSeconds(reply, kind);
    const ttl = Math.trunc(seconds);
    const uniform = withUniformTtl(reply, ttl);
    if (this.stores(query, reply, kind, seconds, facts, counters)) {
      const item = this.put(facts, kind, uniform, ttl, key, counters, background);
      return { response: forClient(uniform, wantsAd), item };
    }
    if (!timeless(query, reply)) return { response: forClient(uniform, wantsAd), item: null };
    const shape = new KnownShape(query, reply, kind, seconds, facts.storable(kind), uniform);
    this.knownShapes.set(reply, shape);
    return { response: shape.response(wantsAd), item: null };
  }

  /** Whether the reply goes into a cache; a storable one made for another question counts as a drop. */
  private stores(query: Query, reply: Reply, kind: ResponseKind, seconds: number, facts: Storability, counters: CacheServerCounters): boolean {
    if (seconds <= 0) return false;
    if (!matchesQuestion(query, reply)) {
      if (facts.storable(kind)) counters.drops++;
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

  private disabled(name: DomainName, kind: ResponseKind): boolean {
    const positive = kind === ResponseKind.NoError || kind === ResponseKind.Delegation;
    return matchZone(positive ? this.options.disabledSuccess : this.options.disabledDenial, name) !== null;
  }

  private put(
    facts: ResponseFacts,
    kind: ResponseKind,
    uniform: Reply,
    ttl: number,
    key: string,
    counters: CacheServerCounters,
    background: boolean,
  ): CacheItem {
    const { preferPositive } = this.options;
    const { success, denial } = this.store;
    const now = this.clock.now();
    if (kind === ResponseKind.NoError || kind === ResponseKind.Delegation) {
      const item = new CacheItem(uniform, ttl, now, preferPositive && facts.answersQuestion());
      if (preferPositive && !item.answering) item.lastKnownGood = success.peek(key)?.answeringItem() ?? null;
      this.store.storeSuccess(key, item, counters);
      // The newest state of the name: a refreshed positive answer retires an older denial.
      if ((!preferPositive && background) || (preferPositive && item.answering)) denial.delete(key);
      return item;
    }
    const item = new CacheItem(uniform, ttl, now, false);
    this.store.storeDenial(key, item, counters);
    return item;
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
  private serveStale(
    request: Request,
    next: Handler,
    item: CacheItem,
    key: string,
    counters: CacheServerCounters,
    wantsAd: boolean,
    now: number,
  ): Reply {
    const { verify, responseTtl } = this.options.serveStale;
    if (!verify) this.startRefresh(request, next, item, key, counters, now, true);
    counters.servedStale++;
    const ttl = responseTtl > 0 ? responseTtl : this.options.keepTtl ? item.origTtl : 0;
    return item.answer(ttl, wantsAd);
  }

  /**
   * `serve_stale ... verify`: asks the next plugin first; a refreshing answer goes to the client,
   * anything else (an error, a timeout with VERIFY_TIMEOUT) serves the stale item.
   */
  private async verifyStale(
    request: Request,
    next: Handler,
    item: CacheItem,
    key: string,
    counters: CacheServerCounters,
    wantsAd: boolean,
  ): Promise<Reply> {
    const now = this.clock.now();
    const { verifyTimeoutMs, failureRecheckMs } = this.options.serveStale;
    const background = verifyTimeoutMs > 0;
    const pending = this.refreshStale(request, next, key, counters, wantsAd, background).then((outcome) => {
      if (failureRecheckMs > 0) item.endRefresh(this.clock.now(), failureRecheckMs, outcome.refreshed);
      return outcome;
    });
    const outcome = background ? await withTimeout(pending, verifyTimeoutMs) : await pending;
    if (outcome !== null && outcome.refreshed) {
      // A background verify cached the answer without shaping it for this client: answer from the item.
      if (!background || outcome.item === null) return outcome.response;
      const fresh = outcome.item;
      return fresh.answer(this.options.keepTtl ? fresh.origTtl : Math.max(fresh.ttl(this.clock.now()), 0), wantsAd);
    }
    return this.serveStale(request, next, item, key, counters, wantsAd, now);
  }

  /** Asks again for a stale item; never rejects (a failure is an outcome that did not refresh). */
  private async refreshStale(
    request: Request,
    next: Handler,
    key: string,
    counters: CacheServerCounters,
    wantsAd: boolean,
    background: boolean,
  ): Promise<RefreshOutcome> {
    try {
      const reply = await next(request);
      return this.acceptRefresh(request.query, reply, key, counters, wantsAd, background);
    } catch (error) {
      this.logger.debug({ err: error, qname: toFqdn(request.query.name) }, 'cache refresh failed');
      return NOT_REFRESHED;
    }
  }

  /**
   * Only NOERROR and NXDOMAIN answers replace a stale item (RFC 8767 section 4); with
   * prefer_positive only an answer to the question does, though any other is still stored.
   */
  private acceptRefresh(
    query: Query,
    reply: Reply,
    key: string,
    counters: CacheServerCounters,
    wantsAd: boolean,
    background: boolean,
  ): RefreshOutcome {
    if (!isWalkable(reply) || (reply.flags & HeaderFlag.TC) !== 0 || !matchesQuestion(query, reply)) return NOT_REFRESHED;
    const facts = new ResponseFacts(query, reply);
    const wall = this.wallSeconds;
    if (this.options.preferPositive) {
      if (facts.usableAnswer(wall)) return { refreshed: true, ...this.admit(query, reply, key, counters, wantsAd, background) };
      this.admit(query, reply, key, counters, wantsAd, true);
      return NOT_REFRESHED;
    }
    const kind = facts.typify(wall);
    if (kind === ResponseKind.OtherError || kind === ResponseKind.Meta) return NOT_REFRESHED;
    if (reply.rcode !== RCode.NOERROR && reply.rcode !== RCode.NXDOMAIN) return NOT_REFRESHED;
    return { refreshed: true, ...this.admit(query, reply, key, counters, wantsAd, background) };
  }

  /**
   * Refreshes `item` in the background (prefetch, or a stale item in `immediate` mode), at most
   * once at a time per item, and not within FAILURE_RECHECK of a failed stale refresh.
   */
  private startRefresh(
    request: Request,
    next: Handler,
    item: CacheItem,
    key: string,
    counters: CacheServerCounters,
    now: number,
    stale: boolean,
  ): void {
    const recheckMs = stale ? this.options.serveStale.failureRecheckMs : 0;
    if (!item.beginRefresh(this.clock.now(), recheckMs)) return;
    counters.prefetches++;
    this.runRefresh(backgroundRequest(request), next, item, key, counters, now, stale, recheckMs).catch((error: unknown) => {
      this.logger.error({ err: error, qname: toFqdn(request.query.name) }, 'cache refresh crashed');
    });
  }

  private async runRefresh(
    request: Request,
    next: Handler,
    item: CacheItem,
    key: string,
    counters: CacheServerCounters,
    now: number,
    stale: boolean,
    recheckMs: number,
  ): Promise<void> {
    // A prefetch counts as done whatever came back; a stale refresh only when the answer may replace the item.
    let refreshed = !stale;
    if (stale) {
      refreshed = (await this.refreshStale(request, next, key, counters, true, true)).refreshed;
    } else {
      try {
        this.admit(request.query, await next(request), key, counters, true, true);
      } catch (error) {
        this.logger.debug({ err: error, qname: toFqdn(request.query.name) }, 'cache prefetch failed');
      }
    }
    // The replacement keeps the popularity gathered so far, so a hot name keeps being prefetched.
    if (refreshed) this.store.exists(key)?.resetHits(now, item.hits);
    item.endRefresh(this.clock.now(), recheckMs, refreshed);
  }
}

/** The promise's value, or null when `ms` pass first (the promise carries on). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
