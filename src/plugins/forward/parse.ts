import { isIP } from 'node:net';
import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { rcodeFromName } from '../../dns/constants.ts';
import { encodeName, normalizeName } from '../../dns/names.ts';
import type { DomainName } from '../../dns/types.ts';
import { argCount, blockDirectives, boolFlag, parseDurationArg, parseIntArg, parseZonesArg, unknownProperty } from '../../toolkit/args.ts';
import { HostPortError, splitHostPort } from '../../toolkit/host-port.ts';
import { loadTlsMaterial, TlsMaterialError, type TlsMaterial } from '../../toolkit/tls.ts';
import { DEFAULTS, type ForwardOptions, type HealthCheckOptions, type PolicyName } from './options.ts';
import type { WrittenTo } from './resolve.ts';
import { collectUpstreams, parseUpstreamArgument, upstreamAddress, UpstreamAddressError, type UpstreamAddress } from './upstreams.ts';

const PLUGIN = 'forward';
const MAX_UINT32 = 0xffffffff;
const POLICIES: readonly PolicyName[] = ['random', 'round_robin', 'sequential'];
/** CoreDNS options clusterdns leaves out, with what they are about, for a clear refusal. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  source_address: 'source_address is',
};
const RESOLVER_PORT = 53;

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, PLUGIN);
}

/** Mutable while the block is read; frozen into ForwardOptions at the end. */
interface Draft {
  except: DomainName[];
  forceTcp: boolean;
  preferUdp: boolean;
  expireMs: number;
  maxAgeMs: number;
  maxIdleConns: number;
  readTimeoutMs: number;
  maxFails: number;
  maxConnectAttempts: number | null;
  healthCheck: HealthCheckOptions;
  policy: PolicyName;
  maxConcurrent: number;
  next: number[];
  nextOnNodata: boolean;
  failover: number[];
  failfastAllUnhealthyUpstreams: boolean;
  resolver: UpstreamAddress[];
  tls: TlsMaterial;
  dohMethod: 'GET' | 'POST';
  tlsServerName: string | null;
}

function rcodeList(option: Directive, allowNoError: boolean): number[] {
  return argCount(option, 1).map((token) => {
    const rcode = rcodeFromName(token.text);
    if (rcode === undefined) fail(token, `${token.text} is not a valid rcode`);
    if (!allowNoError && rcode === 0) fail(token, 'NoError cannot be used in failover');
    return rcode;
  });
}

function healthCheckOption(option: Directive): HealthCheckOptions {
  const [durationToken, ...rest] = argCount(option, 1);
  const intervalMs = parseDurationArg(durationToken!, { name: 'health_check' });
  let recursionDesired = true;
  let domain: DomainName = '';
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (token.text === 'no_rec') {
      recursionDesired = false;
    } else if (token.text === 'domain') {
      const name = rest[++i];
      if (name === undefined) fail(token, 'health_check: domain needs a name');
      domain = normalizeName(name.text);
      try {
        encodeName(domain);
      } catch {
        fail(name, `health_check: invalid domain name ${name.text}`);
      }
    } else {
      fail(token, `health_check: unknown option ${token.text}`);
    }
  }
  return { intervalMs, recursionDesired, domain };
}

function oneInt(option: Directive, min: number, max: number): number {
  const token = argCount(option, 1, 1)[0]!;
  if (/^-\d+$/.test(token.text) && min === 0) fail(token, `${option.name.text} can't be negative: ${token.text}`);
  return parseIntArg(token, { min, max, name: option.name.text });
}

function oneDuration(option: Directive, positive = false): { ms: number; token: Token } {
  const token = argCount(option, 1, 1)[0]!;
  const ms = parseDurationArg(token, { name: option.name.text });
  if (positive && ms <= 0) fail(token, `${option.name.text} must be positive: ${token.text}`);
  return { ms, token };
}

/** `tls [CERT KEY] [CA]`: the files are read and checked now, as CoreDNS's NewTLSConfigFromArgs does. */
function tlsOption(option: Directive): TlsMaterial {
  const paths = argCount(option, 0, 3).map((token) => token.text);
  try {
    return loadTlsMaterial(paths);
  } catch (error) {
    if (error instanceof TlsMaterialError) fail(option.name, error.message);
    throw error;
  }
}

/** A `resolver` argument: `ip` (port 53) or `ip:port`, IPv6 bracketed with a port. */
function resolverAddress(token: Token): UpstreamAddress {
  let host = token.text;
  let port = RESOLVER_PORT;
  try {
    const split = splitHostPort(token.text);
    host = split.host;
    port = /^\d{1,5}$/.test(split.port) ? Number(split.port) : 0;
  } catch (error) {
    if (!(error instanceof HostPortError)) throw error;
  }
  const family = isIP(host);
  if (family === 0 || port < 1 || port > 65535) fail(token, `resolver must be an IP address or IP:port: "${token.text}"`);
  return upstreamAddress(host, port, family as 4 | 6);
}

/** Where expire and max_age were written, to name them when they disagree. */
interface DurationTokens {
  expire: Token | null;
  maxAge: Token | null;
}

function readOption(option: Directive, directive: Directive, draft: Draft, tokens: DurationTokens): void {
  const name = option.name.text;
  switch (name) {
    case 'except':
      draft.except.push(...parseZonesArg(argCount(option, 1), [], PLUGIN));
      return;
    case 'force_tcp':
      draft.forceTcp = boolFlag(option);
      return;
    case 'prefer_udp':
      draft.preferUdp = boolFlag(option);
      return;
    case 'expire': {
      const { ms, token } = oneDuration(option);
      draft.expireMs = ms;
      tokens.expire = token;
      return;
    }
    case 'max_age': {
      const { ms, token } = oneDuration(option);
      draft.maxAgeMs = ms;
      tokens.maxAge = token;
      return;
    }
    case 'max_idle_conns':
      draft.maxIdleConns = oneInt(option, 0, Number.MAX_SAFE_INTEGER);
      return;
    case 'read_timeout':
      draft.readTimeoutMs = oneDuration(option, true).ms;
      return;
    case 'max_fails':
      draft.maxFails = oneInt(option, 0, MAX_UINT32);
      return;
    case 'max_connect_attempts':
      draft.maxConnectAttempts = oneInt(option, 0, MAX_UINT32);
      return;
    case 'health_check':
      draft.healthCheck = healthCheckOption(option);
      return;
    case 'policy': {
      const token = argCount(option, 1, 1)[0]!;
      if (!POLICIES.includes(token.text as PolicyName)) fail(token, `unknown policy '${token.text}'`);
      draft.policy = token.text as PolicyName;
      return;
    }
    case 'max_concurrent':
      draft.maxConcurrent = oneInt(option, 0, Number.MAX_SAFE_INTEGER);
      return;
    case 'next':
      draft.next.push(...rcodeList(option, true));
      return;
    case 'next_on_nodata':
      draft.nextOnNodata = boolFlag(option);
      return;
    case 'failover':
      draft.failover.push(...rcodeList(option, false));
      return;
    case 'failfast_all_unhealthy_upstreams':
      draft.failfastAllUnhealthyUpstreams = boolFlag(option);
      return;
    case 'tls':
      draft.tls = tlsOption(option);
      return;
    case 'doh_method': {
      const token = argCount(option, 1, 1)[0]!;
      if (token.text !== 'GET' && token.text !== 'POST') fail(token, 'doh_method must be either POST or GET');
      draft.dohMethod = token.text;
      return;
    }
    case 'tls_servername':
      draft.tlsServerName = argCount(option, 1, 1)[0]!.text;
      return;
    case 'resolver':
      draft.resolver = argCount(option, 1).map(resolverAddress);
      return;
    default: {
      const what = UNSUPPORTED[name];
      if (what !== undefined) fail(option.name, `'${name}': ${what} not supported by clusterdns`);
      throw unknownProperty(option, directive);
    }
  }
}

/** The TO arguments in order, and the upstreams of those that are addresses or files, the first of duplicates kept. */
function readUpstreams(tokens: readonly Token[]): { to: WrittenTo[]; upstreams: UpstreamAddress[] } {
  const to: WrittenTo[] = [];
  for (const token of tokens) {
    try {
      const entry = parseUpstreamArgument(token.text);
      // An empty resolv.conf is skipped, as CoreDNS skips files without nameservers.
      if (entry.kind === 'host' || entry.addresses.length > 0) to.push({ entry, token });
    } catch (error) {
      if (error instanceof UpstreamAddressError) fail(token, error.message);
      throw error;
    }
  }
  if (to.length > DEFAULTS.maxUpstreams) fail(tokens[0]!, `more than ${DEFAULTS.maxUpstreams} TOs configured: ${to.length}`);
  if (to.length === 0) fail(tokens[0]!, 'no valid upstream addresses found');
  const upstreams = collectUpstreams(to.flatMap(({ entry }) => (entry.kind === 'addresses' ? [entry.addresses] : [])));
  return { to, upstreams };
}

/** CoreDNS refuses a server name given both by tls_servername and by a `tls://IP%NAME` argument. */
function checkServerNames(to: readonly WrittenTo[], tlsServerName: string | null): void {
  if (tlsServerName === null) return;
  for (const { entry, token } of to) {
    const named = entry.kind === 'host' ? [entry.host] : entry.addresses;
    const clash = named.find((upstream) => upstream.scheme === 'tls' && upstream.serverName !== null);
    if (clash === undefined) continue;
    const where = 'label' in clash ? clash.label : `${clash.hostname}:${clash.port}`;
    fail(token, `both forward ('${tlsServerName}') and proxy level ('${clash.serverName}') TLS servernames are set for upstream proxy 'tls://${where}'`);
  }
}

/**
 * `forward FROM TO... { ... }` as CoreDNS's parseStanza reads it. FROM is one zone (a CIDR off
 * an octet boundary keeps its first zone, as CoreDNS does); TO files and the `tls` files are
 * read now, host names are left for setup to resolve (as CoreDNS 1.14, which takes a path that is
 * no file for a host name too).
 */
export function parseForward(directive: Directive): ForwardOptions {
  const [fromToken, ...toTokens] = argCount(directive, 2);
  const from = parseZonesArg([fromToken!], [], PLUGIN)[0];
  if (from === undefined) fail(fromToken!, `unable to normalize '${fromToken!.text}'`);
  const draft: Draft = {
    except: [],
    forceTcp: false,
    preferUdp: false,
    expireMs: DEFAULTS.expireMs,
    maxAgeMs: 0,
    maxIdleConns: 0,
    readTimeoutMs: DEFAULTS.readTimeoutMs,
    maxFails: DEFAULTS.maxFails,
    maxConnectAttempts: null,
    healthCheck: { intervalMs: DEFAULTS.healthCheckIntervalMs, recursionDesired: true, domain: '' },
    policy: 'random',
    maxConcurrent: 0,
    next: [],
    nextOnNodata: false,
    failover: [],
    failfastAllUnhealthyUpstreams: false,
    resolver: [],
    tls: loadTlsMaterial([]),
    dohMethod: 'POST',
    tlsServerName: null,
  };
  const tokens: DurationTokens = { expire: null, maxAge: null };
  for (const option of blockDirectives(directive)) readOption(option, directive, draft, tokens);
  if (tokens.maxAge !== null && draft.maxAgeMs > 0 && draft.maxAgeMs < draft.expireMs) {
    fail(tokens.maxAge, `max_age (${tokens.maxAge.text}) must not be less than expire (${tokens.expire?.text ?? '10s'})`);
  }
  const { to, upstreams } = readUpstreams(toTokens);
  checkServerNames(to, draft.tlsServerName);
  return { from, to, upstreams, ...draft };
}
