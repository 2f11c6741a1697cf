import { networkInterfaces } from 'node:os';
import type { IPFamily } from '../cluster/types.ts';

export function familyOf(ip: string): IPFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/**
 * Which addresses this host can listen on: all of 127.0.0.0/8 (Linux routes it to lo), ::1, and
 * whatever the interfaces carry now. A snapshot: taken once per sync, as addresses come and go.
 */
export function localAddressSnapshot(): (ip: string) => boolean {
  const local = new Set<string>(['::1']);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const info of addresses ?? []) local.add(info.address.toLowerCase());
  }
  return (ip) => ip.startsWith('127.') || local.has(ip);
}
