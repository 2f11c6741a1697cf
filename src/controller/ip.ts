import { SocketAddress, isIPv4, isIPv6 } from 'node:net';
import type { IPFamily } from '../cluster/types.ts';
import { ControllerConfigError } from './types.ts';

/** An address as a number, so ranges can be walked and compared whatever the spelling. */
export interface NumericIP {
  readonly family: IPFamily;
  readonly value: bigint;
}

export interface CIDR {
  readonly family: IPFamily;
  /** The network address (host bits cleared). */
  readonly base: bigint;
  readonly prefix: number;
  /** How many addresses the block spans, network and broadcast included. */
  readonly size: bigint;
  /** The block as configured, for messages. */
  readonly text: string;
}

const BITS: Readonly<Record<IPFamily, number>> = { IPv4: 32, IPv6: 128 };

export function parseIP(text: string): NumericIP | null {
  if (isIPv4(text)) return { family: 'IPv4', value: ipv4Value(text) };
  if (!isIPv6(text) || text.includes('%')) return null;
  return { family: 'IPv6', value: ipv6Value(text) };
}

function ipv4Value(text: string): bigint {
  let value = 0n;
  for (const octet of text.split('.')) value = (value << 8n) | BigInt(octet);
  return value;
}

/** Only called on text node:net accepted, so the groups are well formed. */
function ipv6Value(text: string): bigint {
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const pieces = part.split(':');
    const last = pieces[pieces.length - 1] ?? '';
    if (!last.includes('.')) return pieces.map((piece) => Number.parseInt(piece, 16));
    const v4 = Number(ipv4Value(last));
    return [...pieces.slice(0, -1).map((piece) => Number.parseInt(piece, 16)), v4 >>> 16, v4 & 0xffff];
  };
  const [head = '', tail] = text.split('::');
  const headGroups = groups(head);
  const tailGroups = tail === undefined ? [] : groups(tail);
  const zeros = new Array<number>(8 - headGroups.length - tailGroups.length).fill(0);
  let value = 0n;
  for (const group of [...headGroups, ...zeros, ...tailGroups]) value = (value << 16n) | BigInt(group);
  return value;
}

/** The canonical spelling: dotted quad, or RFC 5952 IPv6 as the store indexes it. */
export function formatIP(ip: NumericIP): string {
  if (ip.family === 'IPv4') {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((shift) => String((v >> shift) & 0xffn)).join('.');
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((ip.value >> shift) & 0xffffn).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

/** Parses `address/prefix`; host bits are cleared, as the API server's flag parsing does. */
export function parseCIDR(text: string, option: string): CIDR {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? null : parseIP(text.slice(0, slash));
  const prefixText = slash < 0 ? '' : text.slice(slash + 1);
  if (ip === null || !/^\d{1,3}$/.test(prefixText)) {
    throw new ControllerConfigError(option, `expected a CIDR like 127.10.0.0/16 or fd00:10::/108, got "${text}"`);
  }
  const bits = BITS[ip.family];
  const prefix = Number(prefixText);
  if (prefix > bits) throw new ControllerConfigError(option, `prefix /${prefix} is longer than ${bits} bits in "${text}"`);
  const hostBits = BigInt(bits - prefix);
  const base = (ip.value >> hostBits) << hostBits;
  return { family: ip.family, base, prefix, size: 1n << hostBits, text };
}
