import { DnsEncodeError } from './errors.ts';
import { formatIPv4, formatIPv6, hexValue, writeIPv4, writeIPv6 } from './ip.ts';
import { MAX_NAME_LENGTH, decodeName, decoded, writeName } from './name-codec.ts';
import type { DomainName } from './types.ts';

const nameScratch = Buffer.allocUnsafe(MAX_NAME_LENGTH);
const addressScratch = new Uint8Array(16);

/** The uncompressed wire form of `name`; throws DnsEncodeError on a label over 63 or a name over 255 bytes. */
export function encodeName(name: DomainName): Buffer {
  const end = writeName(name, nameScratch, 0);
  return Buffer.from(nameScratch.subarray(0, end));
}

/**
 * Reads the (possibly compressed) name at `offset`, lower-cased; `end` is the offset just past
 * it where it started. Throws DnsParseError on a malformed name or a pointer loop.
 */
export function readName(buf: Buffer, offset: number): { name: DomainName; end: number } {
  const name = decodeName(buf, offset, true);
  return { name, end: decoded.end };
}

/** Bytes `name` takes on the wire uncompressed, root label included. */
export function nameWireLength(name: DomainName): number {
  if (name.length === 0) return 1;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // Escapes and non-ASCII make presentation and wire lengths differ: let the encoder count.
    if (c === 0x5c || c >= 0x80) return writeName(name, nameScratch, 0);
  }
  return name.length + 2;
}

/** The PTR owner name for an address: 1.2.3.4 -> 4.3.2.1.in-addr.arpa, IPv6 -> nibbles under ip6.arpa. */
export function reverseName(ip: string): DomainName {
  if (ip.includes(':')) {
    if (!writeIPv6(ip, addressScratch, 0)) throw new DnsEncodeError('not an IPv6 address', ip);
    let name = '';
    for (let i = 15; i >= 0; i--) {
      const b = addressScratch[i] as number;
      name += `${HEX[b & 0xf]}.${HEX[b >> 4]}.`;
    }
    return `${name}ip6.arpa`;
  }
  if (!writeIPv4(ip, addressScratch, 0)) throw new DnsEncodeError('not an IPv4 address', ip);
  return `${addressScratch[3]}.${addressScratch[2]}.${addressScratch[1]}.${addressScratch[0]}.in-addr.arpa`;
}

const HEX = '0123456789abcdef';
const IPV4_SUFFIX = '.in-addr.arpa';
const IPV6_SUFFIX = '.ip6.arpa';
/** 32 nibble labels and the dots between them. */
const IPV6_NIBBLES_LENGTH = 63;

/**
 * The address a complete reverse name stands for, or null (a partial name such as
 * 3.2.1.in-addr.arpa, a bad label, anything else). IPv6 comes back as node prints it.
 */
export function addressFromReverse(name: DomainName): string | null {
  if (name.endsWith(IPV4_SUFFIX)) {
    const labels = name.slice(0, -IPV4_SUFFIX.length).split('.');
    if (labels.length !== 4) return null;
    const forward = `${labels[3]}.${labels[2]}.${labels[1]}.${labels[0]}`;
    return writeIPv4(forward, addressScratch, 0) ? formatIPv4(addressScratch, 0) : null;
  }
  if (name.endsWith(IPV6_SUFFIX) && name.length === IPV6_NIBBLES_LENGTH + IPV6_SUFFIX.length) {
    addressScratch.fill(0);
    for (let i = 0; i < 32; i++) {
      const nibble = hexValue(name.charCodeAt(2 * i));
      if (nibble < 0 || (i < 31 && name.charCodeAt(2 * i + 1) !== 0x2e)) return null;
      // Label i is nibble 31 - i of the address, counting from the most significant.
      const position = 31 - i;
      const byte = position >> 1;
      addressScratch[byte] = (addressScratch[byte] as number) | (position & 1 ? nibble : nibble << 4);
    }
    return formatIPv6(addressScratch, 0);
  }
  return null;
}

/** Whether `name` is `zone` or below it; the root zone '' contains every name. */
export function isSubdomain(name: DomainName, zone: DomainName): boolean {
  if (zone.length === 0) return true;
  if (name.length === zone.length) return name === zone;
  const dot = name.length - zone.length - 1;
  if (dot < 0 || name.charCodeAt(dot) !== 0x2e || !name.endsWith(zone)) return false;
  return !isEscaped(name, dot);
}

/** Whether the character at `index` is escaped by an odd run of backslashes before it. */
function isEscaped(name: DomainName, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && name.charCodeAt(i) === 0x5c; i--) backslashes++;
  return (backslashes & 1) === 1;
}

/** A name as configuration writes it, in any case and with or without the trailing dot, in the server's form: 'Example.ORG.' -> 'example.org', '.' -> ''. */
export function normalizeName(text: string): DomainName {
  const lower = text.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Presentation form with the trailing dot: '' -> '.', 'a.b' -> 'a.b.'. */
export function toFqdn(name: DomainName): string {
  return name.length === 0 ? '.' : `${name}.`;
}
