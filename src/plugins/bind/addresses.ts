import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** The host's interfaces by name, as os.networkInterfaces() reports them; tests pass their own. */
export type InterfaceTable = Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;

export function hostInterfaces(): InterfaceTable {
  return networkInterfaces();
}

/** fe80::/10 and ff02::/16: an address only meaningful with the interface it belongs to. */
function isLinkLocalIPv6(address: string): boolean {
  const lower = address.toLowerCase();
  return /^fe[89ab]/.test(lower) || lower.startsWith('ff02:');
}

/**
 * One IPv6 spelling per address, so `::0:1` and `::1` are the same listener (CoreDNS groups
 * listeners by Go's canonical form); a `%zone` suffix is kept as written.
 */
export function canonicalAddress(address: string): string {
  if (isIP(address) !== 6) return address;
  const percent = address.indexOf('%');
  const bare = percent < 0 ? address : address.slice(0, percent);
  const zone = percent < 0 ? '' : address.slice(percent);
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1) + zone;
}

/** The addresses of an interface; link-local IPv6 ones carry `%<interface>` so they can be bound. */
function interfaceAddresses(name: string, entries: readonly NetworkInterfaceInfo[]): string[] {
  return entries.map((entry) =>
    entry.family === 'IPv6' && isLinkLocalIPv6(entry.address) ? `${canonicalAddress(entry.address)}%${name}` : canonicalAddress(entry.address),
  );
}

/** Thrown with the offending word; parse turns it into a CorefileError at its token. */
export class UnknownAddressError extends Error {
  readonly word: string;
  constructor(word: string) {
    super(`not a valid IP address or interface name: "${word}"`);
    this.name = 'UnknownAddressError';
    this.word = word;
  }
}

/**
 * The addresses a bind argument stands for: an interface name gives every address on that
 * interface (IPv4 and IPv6), anything else must be an IP address. Interface names win over
 * addresses, as in CoreDNS.
 */
export function resolveBindWord(word: string, interfaces: InterfaceTable): string[] {
  const entries = Object.hasOwn(interfaces, word) ? interfaces[word] : undefined;
  if (entries !== undefined) return interfaceAddresses(word, entries);
  if (isIP(word) === 0) throw new UnknownAddressError(word);
  return [canonicalAddress(word)];
}
