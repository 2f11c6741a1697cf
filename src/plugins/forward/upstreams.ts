import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { splitScheme } from '../../corefile/address.ts';
import { HostPortError, joinHostPort, splitHostPort } from '../../toolkit/host-port.ts';

/** How an upstream is spoken to: plain DNS (UDP and TCP), DNS over TLS (RFC 7858) or over HTTPS (RFC 8484). */
export type UpstreamScheme = 'dns' | 'tls' | 'https';

/** How one exchange reaches an upstream, in CoreDNS's words (the `proto` label of its metrics). */
export type WireProtocol = 'udp' | 'tcp' | 'tcp-tls';

/** One upstream nameserver, resolved once at setup. */
export interface UpstreamAddress {
  /** The IP address, IPv6 without brackets, with its `%zone` when a plain DNS one has one. */
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly scheme: UpstreamScheme;
  /** The NAME of a `tls://IP%NAME` argument: what this upstream's certificate is checked against. */
  readonly serverName: string | null;
  /** `ip:port` as CoreDNS names the upstream in logs and the `to` label of its metrics. */
  readonly label: string;
}

/** A TO argument naming a host, which setup resolves to addresses (CoreDNS 1.14's hostEntry). */
export interface UpstreamHost {
  readonly hostname: string;
  readonly port: number;
  readonly scheme: UpstreamScheme;
  readonly serverName: string | null;
}

/** What one TO argument stands for: addresses (an IP, or a resolv.conf's, possibly none), or a host name. */
export type ToEntry = { readonly kind: 'addresses'; readonly addresses: readonly UpstreamAddress[] } | { readonly kind: 'host'; readonly host: UpstreamHost };

const DEFAULT_PORTS: Readonly<Record<UpstreamScheme, number>> = { dns: 53, tls: 853, https: 443 };

/** Why a TO argument cannot be used; the parser turns it into a CorefileError at its token. */
export class UpstreamAddressError extends Error {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(message);
    this.name = 'UpstreamAddressError';
    this.argument = argument;
  }
}

function withoutZone(host: string): string {
  const percent = host.lastIndexOf('%');
  return percent < 0 ? host : host.slice(0, percent);
}

function ipFamily(host: string): 4 | 6 | 0 {
  return isIP(withoutZone(host)) as 4 | 6 | 0;
}

export function upstreamAddress(host: string, port: number, family: 4 | 6, scheme: UpstreamScheme = 'dns', serverName: string | null = null): UpstreamAddress {
  return { host, port, family, scheme, serverName, label: joinHostPort(host, port) };
}

/** `host:port` split, or null when the text is not of that shape (a bare address, a file name). */
function hostAndPort(text: string): { host: string; port: string } | null {
  try {
    return splitHostPort(text);
  } catch (error) {
    if (error instanceof HostPortError) return null;
    throw error;
  }
}

function parsePort(argument: string, text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new UpstreamAddressError(argument, `invalid port '${text}' in '${argument}'`);
  return port;
}

/**
 * The scheme of a TO argument; the transports CoreDNS refuses in forward are refused in its
 * words, and so is an https:// argument with a path (the path is always /dns-query).
 */
function schemeOf(scheme: string | null, argument: string, rest: string): UpstreamScheme {
  if (scheme === null || scheme === 'dns') return 'dns';
  if (scheme === 'tls') return 'tls';
  if (scheme === 'https') {
    if (rest.includes('/')) {
      throw new UpstreamAddressError(argument, `paths are not allowed in HTTPS upstream addresses (the /dns-query path is used by default): ${argument}`);
    }
    return 'https';
  }
  throw new UpstreamAddressError(argument, `'${scheme}' is not supported as a destination protocol in forward: ${argument}`);
}

/**
 * `ADDRESS%NAME[:PORT]` split as CoreDNS's splitZone splits a TO argument: the name after the
 * last `%` (a bracketed IPv6 address keeps its brackets, a port after the name goes back to the
 * address). An empty name is none.
 */
function splitServerName(text: string): { address: string; serverName: string | null } {
  const percent = text.lastIndexOf('%');
  if (percent < 0) return { address: text, serverName: null };
  let address = text.slice(0, percent);
  if (address.startsWith('[')) address += ']';
  let name = text.slice(percent + 1);
  const colon = name.lastIndexOf(':');
  if (colon >= 0) {
    address += name.slice(colon);
    name = name.slice(0, colon);
  }
  name = name.endsWith(']') ? name.slice(0, -1) : name;
  return { address, serverName: name === '' ? null : name };
}

/** `ip`, `[ip]`, `ip:port` or `[ip]:port` as an upstream, or null when the host part is no IP address. */
function ipUpstream(address: string, argument: string, scheme: UpstreamScheme, serverName: string | null): UpstreamAddress | null {
  const split = hostAndPort(address);
  if (split === null) {
    const host = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
    const family = ipFamily(host);
    return family === 0 ? null : upstreamAddress(host, DEFAULT_PORTS[scheme], family, scheme, serverName);
  }
  const family = ipFamily(split.host);
  if (family === 0) return null;
  return upstreamAddress(split.host, parsePort(argument, split.port), family, scheme, serverName);
}

/** CoreDNS's parseAsHostEntry: what is neither an IP address nor a file, read as `name[:port]`. */
function hostUpstream(text: string, argument: string, scheme: UpstreamScheme): UpstreamHost {
  const { address, serverName } = splitServerName(text);
  const split = hostAndPort(address);
  const hostname = (split === null ? address : split.host).replace(/^\[|\]$/g, '');
  const port = split === null ? DEFAULT_PORTS[scheme] : parsePort(argument, split.port);
  // miekg/dns's IsDomainName, which CoreDNS asks, refuses only empty and over-long labels.
  const labels = (hostname.endsWith('.') ? hostname.slice(0, -1) : hostname).split('.');
  if (hostname === '' || ipFamily(hostname) !== 0 || hostname.length > 255 || labels.some((label) => label === '' || label.length > 63)) {
    throw new UpstreamAddressError(argument, `not an IP address, file, or valid domain: "${argument}"`);
  }
  return { hostname, port, scheme, serverName: scheme === 'tls' ? serverName : null };
}

/**
 * The nameservers of a resolv.conf-like file, port 53, as miekg/dns's ClientConfigFromFile reads
 * them for CoreDNS: `nameserver ADDRESS` lines, `#` and `;` comments, zones of link-local IPv6
 * addresses kept. Entries that are not IP addresses are skipped (a dial to them could only fail).
 * Null when the file cannot be read.
 */
export function readResolvConf(path: string): UpstreamAddress[] | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const servers: UpstreamAddress[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(/[ \t\r]+/).filter((field) => field !== '');
    if (fields.length < 2 || fields[0] !== 'nameserver') continue;
    const host = fields[1]!;
    const family = ipFamily(host);
    if (family !== 0) servers.push(upstreamAddress(host, DEFAULT_PORTS.dns, family));
  }
  return servers;
}

/**
 * What one TO argument stands for, as CoreDNS 1.14's classifyToAddrs reads it: `ip`, `ip:port`,
 * `[v6]:port` with an optional `dns://`, `tls://` (port 853, `%NAME` after the address naming
 * the TLS server) or `https://` (port 443); else the path of a resolv.conf file (plain DNS on port 53, whatever the
 * scheme, as in CoreDNS; an empty one stands for none); else a host name, resolved at setup.
 */
export function parseUpstreamArgument(argument: string): ToEntry {
  const { scheme: written, rest } = splitScheme(argument);
  const scheme = schemeOf(written, argument, rest);
  if (rest === '') throw new UpstreamAddressError(argument, `invalid address: "${argument}"`);
  // A plain DNS address keeps its `%zone` (link-local IPv6); over TLS, `%` names the server; over
  // HTTPS it is cut off and unused, as CoreDNS's splitZone leaves it.
  const { address, serverName } = scheme === 'dns' ? { address: rest, serverName: null } : splitServerName(rest);
  const ip = ipUpstream(address, argument, scheme, scheme === 'tls' ? serverName : null);
  if (ip !== null) return { kind: 'addresses', addresses: [ip] };
  const servers = readResolvConf(rest);
  if (servers !== null) return { kind: 'addresses', addresses: servers };
  return { kind: 'host', host: hostUpstream(rest, argument, scheme) };
}

/** The addresses of several TO arguments in order, the first of duplicate `ip:port`s kept (whatever their scheme), as CoreDNS deduplicates. */
export function collectUpstreams(lists: Iterable<readonly UpstreamAddress[]>): UpstreamAddress[] {
  const upstreams: UpstreamAddress[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const address of list) {
      if (seen.has(address.label)) continue;
      seen.add(address.label);
      upstreams.push(address);
    }
  }
  return upstreams;
}
