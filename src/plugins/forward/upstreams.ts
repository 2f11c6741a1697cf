import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { splitScheme } from '../../corefile/address.ts';
import { HostPortError, joinHostPort, splitHostPort } from '../../toolkit/host-port.ts';

/** One upstream nameserver, resolved once at parse time. */
export interface UpstreamAddress {
  /** The IP address, IPv6 without brackets, with its `%zone` when it has one. */
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** `ip:port` as CoreDNS names the upstream in logs and the `to` label of its metrics. */
  readonly label: string;
}

const DNS_PORT = 53;

/** Why a TO argument cannot be used; the parser turns it into a CorefileError at its token. */
export class UpstreamAddressError extends Error {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(message);
    this.name = 'UpstreamAddressError';
    this.argument = argument;
  }
}

/** Encrypted transports CoreDNS forwards over and clusterdns does not. */
const ENCRYPTED_SCHEMES: Readonly<Record<string, string>> = {
  tls: 'DNS-over-TLS',
  https: 'DNS-over-HTTPS',
  https3: 'DNS-over-HTTP/3',
  quic: 'DNS-over-QUIC',
  grpc: 'DNS-over-gRPC',
};

function withoutZone(host: string): string {
  const percent = host.lastIndexOf('%');
  return percent < 0 ? host : host.slice(0, percent);
}

function ipFamily(host: string): 4 | 6 | 0 {
  return isIP(withoutZone(host)) as 4 | 6 | 0;
}

function upstream(host: string, port: number, family: 4 | 6): UpstreamAddress {
  return { host, port, family, label: joinHostPort(host, port) };
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
 * The nameservers of a resolv.conf-like file, port 53, as miekg/dns's ClientConfigFromFile reads
 * them for CoreDNS: `nameserver ADDRESS` lines, `#` and `;` comments, zones of link-local IPv6
 * addresses kept. Entries that are not IP addresses are skipped (a dial to them could only fail).
 */
export function readResolvConf(path: string, argument = path): UpstreamAddress[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message;
    throw new UpstreamAddressError(argument, `not an IP address or file "${argument}": failed to open file "${path}": ${reason}`);
  }
  const servers: UpstreamAddress[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(/[ \t\r]+/).filter((field) => field !== '');
    if (fields.length < 2 || fields[0] !== 'nameserver') continue;
    const host = fields[1]!;
    const family = ipFamily(host);
    if (family !== 0) servers.push(upstream(host, DNS_PORT, family));
  }
  return servers;
}

/**
 * The upstreams one TO argument stands for, as CoreDNS's parse.HostPortOrFile reads it: `ip`,
 * `ip:port`, `[v6]:port`, with an optional `dns://`, or else the path of a resolv.conf file (an
 * empty one stands for none). Encrypted transports and host names are refused with the reason.
 */
export function parseUpstreamArgument(argument: string): UpstreamAddress[] {
  const { scheme, rest } = splitScheme(argument);
  if (scheme !== null && scheme !== 'dns') {
    const what = ENCRYPTED_SCHEMES[scheme];
    const reason = what ? `${what} upstreams are not supported by clusterdns (plain dns:// only)` : `'${scheme}' is not supported as a destination protocol in forward`;
    throw new UpstreamAddressError(argument, `${reason}: ${argument}`);
  }
  if (rest === '') throw new UpstreamAddressError(argument, `invalid address: "${argument}"`);
  const split = hostAndPort(rest);
  if (split === null) {
    const host = rest.startsWith('[') && rest.endsWith(']') ? rest.slice(1, -1) : rest;
    const family = ipFamily(host);
    if (family !== 0) return [upstream(host, DNS_PORT, family)];
    return readResolvConf(rest, argument);
  }
  const family = ipFamily(split.host);
  if (family === 0) {
    // `file:name` is a legal path; CoreDNS tries the whole text as a file too.
    return readResolvConf(rest, argument);
  }
  return [upstream(split.host, parsePort(argument, split.port), family)];
}
