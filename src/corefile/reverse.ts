import { isIP } from 'node:net';
import type { DomainName } from '../dns/types.ts';

/** A network written as `address/prefix`, as bytes with the host bits still as written. */
export interface Cidr {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** Parses `10.0.0.0/24` or `fd00::/8`; null when the text is not a fully written CIDR. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  if (slash === -1) return null;
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || address.includes('%')) return null;
  const family = isIP(address);
  if (family === 0) return null;
  const bytes = family === 4 ? ipv4Bytes(address) : ipv6Bytes(address);
  const prefix = Number(prefixText);
  return prefix <= bytes.length * 8 ? { bytes, prefix } : null;
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.'), Number);
}

function ipv6Bytes(address: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail.push(...ipv4Bytes(text.slice(lastColon + 1)));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  groups.forEach((group, index) => {
    const value = Number.parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  bytes.set(tail, 16 - tail.length);
  return bytes;
}

/**
 * The reverse zones covering a network, as CoreDNS computes them: a prefix on a label boundary
 * (a multiple of 8 bits for IPv4, 4 for IPv6) is one zone; any other prefix is split into the
 * networks of the next boundary, one zone each (10.0.0.0/22 -> four /24 zones).
 */
export function reverseZones(cidr: Cidr): DomainName[] {
  const ipv4 = cidr.bytes.length === 4;
  const digitBits = ipv4 ? 8 : 4;
  const boundary = Math.ceil(cidr.prefix / digitBits) * digitBits;
  const network = cidr.bytes.slice();
  for (let bit = cidr.prefix; bit < network.length * 8; bit++) setBit(network, bit, 0);

  const zones: DomainName[] = [];
  const count = 2 ** (boundary - cidr.prefix);
  for (let subnet = 0; subnet < count; subnet++) {
    for (let k = 0; k < boundary - cidr.prefix; k++) setBit(network, boundary - 1 - k, (subnet >> k) & 1);
    zones.push(ipv4 ? ipv4Zone(network, boundary / 8) : ipv6Zone(network, boundary / 4));
  }
  return zones;
}

function setBit(bytes: Uint8Array, bit: number, value: number): void {
  const mask = 0x80 >> (bit & 7);
  const index = bit >> 3;
  bytes[index] = value === 0 ? (bytes[index] ?? 0) & ~mask : (bytes[index] ?? 0) | mask;
}

function ipv4Zone(bytes: Uint8Array, octets: number): DomainName {
  const labels: string[] = [];
  for (let i = octets - 1; i >= 0; i--) labels.push(String(bytes[i]));
  labels.push('in-addr', 'arpa');
  return labels.join('.');
}

function ipv6Zone(bytes: Uint8Array, nibbles: number): DomainName {
  const labels: string[] = [];
  for (let i = nibbles - 1; i >= 0; i--) {
    const byte = bytes[i >> 1] ?? 0;
    labels.push(((i & 1) === 0 ? byte >> 4 : byte & 0x0f).toString(16));
  }
  labels.push('ip6', 'arpa');
  return labels.join('.');
}
