import { normalizeName } from '../dns/names.ts';
import type { DomainName } from '../dns/types.ts';
import { parseCidr, reverseZones } from './reverse.ts';
import { CorefileError, type Token } from './types.ts';

/** The transports a server block key may name: plain DNS, DNS over TLS (RFC 7858) and over HTTPS (RFC 8484). */
export type ServerScheme = 'dns' | 'tls' | 'https';

const SERVER_SCHEMES: ReadonlySet<string> = new Set<ServerScheme>(['dns', 'tls', 'https']);

/** Where a server block listens and which zone it serves, from one of its keys. */
export interface ServerAddress {
  readonly scheme: ServerScheme;
  readonly zone: DomainName;
  /** null when the key names no port: the transport's default (53 or -dns.port, 853, 443) applies; 0 is any free port. */
  readonly port: number | null;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Splits `tls://example.org:853` into its lower-cased scheme (null without one) and the rest. */
export function splitScheme(text: string): { scheme: string | null; rest: string } {
  const match = SCHEME.exec(text);
  if (match === null) return { scheme: null, rest: text };
  return { scheme: match[1]?.toLowerCase() ?? null, rest: text.slice(match[0].length) };
}

/**
 * The addresses of a server block key: `[dns://]zone[:port]`, where a reverse CIDR zone off a
 * label boundary stands for several zones (10.0.0.0/22 -> four in-addr.arpa zones), so this
 * returns one address per zone. `tls://` and `https://` keys serve DNS over TLS and over HTTPS;
 * CoreDNS's other transports (grpc://, quic://, https3://) are refused.
 */
export function parseServerKeys(token: Token): ServerAddress[] {
  const { scheme: named, rest } = splitScheme(token.text);
  const scheme = named ?? 'dns';
  if (!SERVER_SCHEMES.has(scheme)) {
    throw new CorefileError(
      token.file,
      token.line,
      `unsupported transport '${scheme}://' in server block key '${token.text}': clusterdns serves dns://, tls:// and https://`,
    );
  }
  const { zones, port } = splitZonePort(rest, token);
  return zones.map((zone) => ({ scheme: scheme as ServerScheme, zone, port }));
}

/** Like parseServerKeys, for a key that must stand for exactly one zone. */
export function parseServerKey(token: Token): ServerAddress {
  const addresses = parseServerKeys(token);
  const [address] = addresses;
  if (address === undefined || addresses.length !== 1) {
    throw new CorefileError(
      token.file,
      token.line,
      `server block key '${token.text}' stands for ${addresses.length} reverse zones, one expected`,
    );
  }
  return address;
}

/**
 * Splits `zone[:port]` (no scheme) as CoreDNS's plugin.SplitHostPort does: a number after the
 * last colon is the port; the zone must be a valid domain name; a CIDR becomes its reverse zones.
 * Unlike a host:port split, a colon followed by anything else belongs to the zone (an IPv6 CIDR).
 */
export function splitZonePort(
  text: string,
  token: Token,
  directive?: string,
): { zones: DomainName[]; port: number | null } {
  const fail = (message: string) => new CorefileError(token.file, token.line, message, directive);
  let host = text;
  let port: number | null = null;
  const colon = text.lastIndexOf(':');
  if (colon !== -1) {
    const portText = text.slice(colon + 1);
    if (portText === '') throw fail(`expected a port after the last ':' in '${text}'`);
    if (/^[+-]?\d+$/.test(portText)) {
      port = Number(portText);
      // 0 asks the OS for a free port, as CoreDNS's own tests use `.:0`.
      if (port < 0 || port > 65535) throw fail(`port ${portText} out of range 0-65535 in '${text}'`);
      host = text.slice(0, colon);
    }
  }
  if (host === '') throw fail(`no zone in '${text}'`);
  const invalid = domainNameProblem(host);
  if (invalid !== null) throw fail(`zone '${host}' is not a valid domain name: ${invalid}`);

  const cidr = parseCidr(host);
  if (cidr === null) return { zones: [normalizeName(host)], port };
  // CoreDNS refuses these rather than guess whether the colon belongs to a port.
  if (host.startsWith(':') || (host.startsWith('0') && host.includes(':'))) throw fail(`invalid CIDR '${host}'`);
  return { zones: reverseZones(cidr), port };
}

/** Why a presentation-form name cannot be a domain name, or null when it can. */
function domainNameProblem(name: string): string | null {
  if (name === '.') return null;
  const relative = name.endsWith('.') ? name.slice(0, -1) : name;
  if (Buffer.byteLength(relative) > 253) return 'longer than 253 characters';
  for (const label of relative.split('.')) {
    if (label === '') return 'empty label';
    if (Buffer.byteLength(label) > 63) return `label '${label}' longer than 63 characters`;
  }
  return null;
}
