import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { normalizeName } from '../../dns/names.ts';
import type { DomainName } from '../../dns/types.ts';
import { argCount, blockDirectives, noBlock, parseDurationArg, parseIntArg, parseZonesArg, unknownProperty } from '../../toolkit/args.ts';

/** Limits of one of the two caches (positive answers, denials). Times in seconds. */
export interface CacheTier {
  /** As written; the cache rounds it as CoreDNS's sharded cache does (see effectiveCapacity). */
  readonly capacity: number;
  readonly maxTtl: number;
  readonly minTtl: number;
}

export interface PrefetchOptions {
  /** Hits needed before an item is refreshed early; 0 disables prefetching. */
  readonly amount: number;
  /** The longest gap between hits that still counts them as one run. */
  readonly windowMs: number;
  /** Prefetch once the remaining TTL is at most this share of the original one. */
  readonly percentage: number;
}

export interface ServeStaleOptions {
  /** How long past expiry an item is still served; 0 serves nothing stale. */
  readonly upToMs: number;
  /** `verify`: ask the next plugin first and serve stale only when that fails. */
  readonly verify: boolean;
  /** With `verify`, how long to wait for the refresh before serving stale; 0 waits for it. */
  readonly verifyTimeoutMs: number;
  /** The TTL stale answers carry (whole seconds; CoreDNS's default 0). */
  readonly responseTtl: number;
  /** After a failed refresh of an item, no other attempt for this long; 0 retries on every query. */
  readonly failureRecheckMs: number;
}

export interface CacheOptions {
  /** Zones from the directive; empty means the server block's. */
  readonly zones: readonly DomainName[];
  readonly success: CacheTier;
  readonly denial: CacheTier;
  /** How long SERVFAIL (and NOTIMP) answers are cached, in seconds; 0 disables. */
  readonly servfailTtl: number;
  readonly prefetch: PrefetchOptions;
  readonly serveStale: ServeStaleOptions;
  /** `serve_stale_policy prefer_positive`. */
  readonly preferPositive: boolean;
  /** Zones whose positive answers are not stored (`disable success`). */
  readonly disabledSuccess: readonly DomainName[];
  /** Zones whose denials are not stored (`disable denial`). */
  readonly disabledDenial: readonly DomainName[];
  /** Serve the TTL as stored instead of counting it down. */
  readonly keepTtl: boolean;
}

/** CoreDNS's defaults: dnsutil.MaximumDefaultTTL, half of it for denials, MinimalDefaultTTL. */
export const MAX_SUCCESS_TTL = 3600;
export const MAX_DENIAL_TTL = 1800;
export const MIN_TTL = 5;
export const DEFAULT_CAPACITY = 10000;
const DEFAULT_SERVFAIL_TTL = 5;
const DEFAULT_PREFETCH_WINDOW_MS = 60_000;
const DEFAULT_PREFETCH_PERCENTAGE = 10;
const DEFAULT_STALE_MS = 3_600_000;
/** RFC 2308 7.1: a server failure may be cached for at most five minutes; RFC 8767 bounds the recheck alike. */
const FIVE_MINUTES_MS = 300_000;
const MAX_TTL_SECONDS = 0xffffffff;

const NAME = 'cache';

function errorAt(token: Token, message: string): CorefileError {
  return new CorefileError(token.file, token.line, message, NAME);
}

/** TTLs past the 32-bit range cap nothing more than the range itself does. */
function positiveTtl(token: Token): number {
  const ttl = parseIntArg(token, { name: NAME });
  if (ttl <= 0) throw errorAt(token, `cache TTL can not be zero or negative: ${ttl}`);
  return Math.min(ttl, MAX_TTL_SECONDS);
}

/** `success|denial CAPACITY [TTL] [MINTTL]`; CoreDNS ignores anything after MINTTL, and so does this. */
function parseTier(line: Directive, tier: CacheTier): CacheTier {
  const args = argCount(line, 1);
  noBlock(line);
  const capacity = parseIntArg(args[0]!, { name: NAME });
  let { maxTtl, minTtl } = tier;
  if (args[1] !== undefined) maxTtl = positiveTtl(args[1]);
  if (args[2] !== undefined) {
    minTtl = parseIntArg(args[2], { name: NAME });
    if (minTtl < 0) throw errorAt(args[2], `cache min TTL can not be negative: ${minTtl}`);
    minTtl = Math.min(minTtl, MAX_TTL_SECONDS);
  }
  return { capacity, maxTtl, minTtl };
}

function parsePrefetch(line: Directive): PrefetchOptions {
  const args = argCount(line, 1, 3);
  noBlock(line);
  const amount = parseIntArg(args[0]!, { name: NAME });
  if (amount < 0) throw errorAt(args[0]!, `prefetch amount should be positive: ${amount}`);
  // Go's time.ParseDuration takes a negative window, which makes every hit the first of its run.
  const windowMs =
    args[1] === undefined ? DEFAULT_PREFETCH_WINDOW_MS : parseDurationArg(args[1], { min: Number.NEGATIVE_INFINITY, name: NAME });
  let percentage = DEFAULT_PREFETCH_PERCENTAGE;
  const pct = args[2];
  if (pct !== undefined) {
    if (!pct.text.endsWith('%')) throw errorAt(pct, `last character of percentage should be \`%\`, but is: '${pct.text.at(-1)}'`);
    percentage = parseIntArg({ ...pct, text: pct.text.slice(0, -1) }, { name: NAME });
    if (percentage < 10 || percentage > 90) throw errorAt(pct, `percentage should fall in range [10, 90]: ${percentage}`);
  }
  return { amount, windowMs, percentage };
}

function parseStaleTtl(token: Token): number {
  const ms = parseDurationArg(token, { name: NAME });
  if (ms % 1000 !== 0) throw errorAt(token, 'serve_stale response TTL must be a whole number of seconds');
  if (ms / 1000 > MAX_TTL_SECONDS) throw errorAt(token, 'serve_stale response TTL exceeds the DNS TTL range');
  return ms / 1000;
}

function parseRecheck(token: Token): number {
  const ms = parseDurationArg(token, { name: NAME });
  if (ms > FIVE_MINUTES_MS) throw errorAt(token, 'serve_stale failure recheck cannot exceed 5 minutes');
  return ms;
}

/**
 * `serve_stale [DURATION] [immediate [RESPONSE_TTL [FAILURE_RECHECK]] | verify [VERIFY_TIMEOUT
 * [RESPONSE_TTL [FAILURE_RECHECK]]]]`.
 */
function parseServeStale(line: Directive): ServeStaleOptions {
  const args = argCount(line, 0, 5);
  noBlock(line);
  const upToMs = args[0] === undefined ? DEFAULT_STALE_MS : parseDurationArg(args[0], { name: NAME });
  let verify = false;
  if (args[1] !== undefined) {
    const mode = args[1].text.toLowerCase();
    if (mode !== 'immediate' && mode !== 'verify') throw errorAt(args[1], `invalid value for serve_stale refresh mode: ${mode}`);
    verify = mode === 'verify';
  }
  let rest = args.slice(2);
  let verifyTimeoutMs = 0;
  if (verify && rest[0] !== undefined) {
    verifyTimeoutMs = parseDurationArg(rest[0], { name: NAME });
    rest = rest.slice(1);
  } else if (!verify && rest.length > 2) {
    throw errorAt(rest[2]!, `expected at most 4 arguments with immediate, got ${args.length}`);
  }
  const responseTtl = rest[0] === undefined ? 0 : parseStaleTtl(rest[0]);
  const failureRecheckMs = rest[1] === undefined ? 0 : parseRecheck(rest[1]);
  return { upToMs, verify, verifyTimeoutMs, responseTtl, failureRecheckMs };
}

function parseServfail(line: Directive): number {
  const [duration] = argCount(line, 1, 1);
  noBlock(line);
  const ms = parseDurationArg(duration!, { name: NAME });
  if (ms > FIVE_MINUTES_MS) throw errorAt(duration!, 'caching SERVFAIL responses over 5 minutes is not permitted');
  return ms / 1000;
}

/** `disable success|denial [ZONES...]`: no zones means every zone. */
function parseDisable(line: Directive): { kind: 'success' | 'denial'; zones: DomainName[] } {
  const [kind, ...zoneTokens] = argCount(line, 1);
  noBlock(line);
  if (kind!.text !== 'success' && kind!.text !== 'denial') {
    throw errorAt(kind!, 'cache type for disable must be "success" or "denial"');
  }
  const zones = zoneTokens.length === 0 ? [''] : zoneTokens.map((token) => normalizeName(token.text));
  return { kind: kind!.text, zones };
}

/** `cache [TTL] [ZONES...] { ... }` as CoreDNS 1.14's cacheParse reads it. */
export function parseCache(directive: Directive): CacheOptions {
  let args = directive.args;
  let success: CacheTier = { capacity: DEFAULT_CAPACITY, maxTtl: MAX_SUCCESS_TTL, minTtl: MIN_TTL };
  let denial: CacheTier = { capacity: DEFAULT_CAPACITY, maxTtl: MAX_DENIAL_TTL, minTtl: MIN_TTL };
  // A first argument that reads as an integer is the TTL; anything else is a zone.
  if (args[0] !== undefined && /^[+-]?\d+$/.test(args[0].text)) {
    const ttl = positiveTtl(args[0]);
    success = { ...success, maxTtl: ttl };
    denial = { ...denial, maxTtl: ttl };
    args = args.slice(1);
  }
  const zones = parseZonesArg(args, [], NAME);
  let servfailTtl = DEFAULT_SERVFAIL_TTL;
  let prefetch: PrefetchOptions = { amount: 0, windowMs: DEFAULT_PREFETCH_WINDOW_MS, percentage: DEFAULT_PREFETCH_PERCENTAGE };
  let serveStale: ServeStaleOptions | null = null;
  let policy: Token | null = null;
  let disabledSuccess: DomainName[] = [];
  let disabledDenial: DomainName[] = [];
  let keepTtl = false;

  for (const line of blockDirectives(directive)) {
    switch (line.name.text) {
      case 'success':
        success = parseTier(line, success);
        break;
      case 'denial':
        denial = parseTier(line, denial);
        break;
      case 'prefetch':
        prefetch = parsePrefetch(line);
        break;
      case 'serve_stale':
        serveStale = parseServeStale(line);
        break;
      case 'serve_stale_policy': {
        if (policy !== null) throw errorAt(line.name, 'serve_stale_policy can only be specified once');
        const [name] = argCount(line, 1, 1);
        noBlock(line);
        if (name!.text.toLowerCase() !== 'prefer_positive') throw errorAt(name!, `invalid serve_stale_policy: ${name!.text}`);
        policy = line.name;
        break;
      }
      case 'servfail':
        servfailTtl = parseServfail(line);
        break;
      case 'disable': {
        const { kind, zones: disabled } = parseDisable(line);
        if (kind === 'success') disabledSuccess = disabled;
        else disabledDenial = disabled;
        break;
      }
      case 'keepttl':
        argCount(line, 0, 0);
        noBlock(line);
        keepTtl = true;
        break;
      default:
        throw unknownProperty(line, directive);
    }
  }
  if (policy !== null && serveStale === null) throw errorAt(policy, 'serve_stale_policy requires serve_stale');

  return {
    zones,
    success,
    denial,
    servfailTtl,
    prefetch,
    serveStale: serveStale ?? { upToMs: 0, verify: false, verifyTimeoutMs: 0, responseTtl: 0, failureRecheckMs: 0 },
    preferPositive: policy !== null,
    disabledSuccess,
    disabledDenial,
    keepTtl,
  };
}
