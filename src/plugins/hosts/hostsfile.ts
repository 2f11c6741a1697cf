import { isIP } from 'node:net';
import { formatIPv4, formatIPv6, isIPv4Mapped, writeIPv6 } from '../../dns/ip.ts';
import { normalizeName } from '../../dns/names.ts';
import type { DomainName } from '../../dns/types.ts';
import { matchZone } from '../../toolkit/zones.ts';

/** One parse of hosts data (a file, or the lines inlined in the Corefile). */
export interface HostsMap {
  readonly name4: ReadonlyMap<DomainName, readonly string[]>;
  readonly name6: ReadonlyMap<DomainName, readonly string[]>;
  /** Owner names `*.zone`: they stand for exactly one label below the zone. */
  readonly wild4: ReadonlyMap<DomainName, readonly string[]>;
  readonly wild6: ReadonlyMap<DomainName, readonly string[]>;
  /** Canonical address -> the names it was listed with, for PTR. */
  readonly addr: ReadonlyMap<string, readonly DomainName[]>;
}

export const EMPTY_HOSTS: HostsMap = {
  name4: new Map(),
  name6: new Map(),
  wild4: new Map(),
  wild6: new Map(),
  addr: new Map(),
};

const mapped = new Uint8Array(16);

/**
 * An address as hosts data keys it, the way Go's net.ParseIP(...).String() reads it: an IPv6
 * zone is dropped, an IPv4-mapped IPv6 address is IPv4. null when the text is no address.
 */
export function canonicalAddress(text: string): { family: 4 | 6; address: string } | null {
  const percent = text.indexOf('%');
  const bare = percent >= 0 ? text.slice(0, percent) : text;
  const family = isIP(bare);
  if (family === 4) return { family: 4, address: bare };
  if (family !== 6 || !writeIPv6(bare, mapped, 0)) return null;
  return isIPv4Mapped(mapped) ? { family: 4, address: formatIPv4(mapped, 12) } : { family: 6, address: formatIPv6(mapped, 0) };
}

function append<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * Reads hosts(5) text as CoreDNS does: `#` starts a comment, a line is an address and names,
 * names outside `origins` are skipped, duplicates are kept. With `autoReverse`, each non-wildcard
 * name is also listed under its address for PTR.
 */
export function parseHosts(text: string, origins: readonly DomainName[], autoReverse: boolean): HostsMap {
  const name4 = new Map<DomainName, string[]>();
  const name6 = new Map<DomainName, string[]>();
  const wild4 = new Map<DomainName, string[]>();
  const wild6 = new Map<DomainName, string[]>();
  const addr = new Map<string, DomainName[]>();
  for (const rawLine of text.split('\n')) {
    const hash = rawLine.indexOf('#');
    const fields = (hash >= 0 ? rawLine.slice(0, hash) : rawLine).split(/[ \t\r\f\v]+/).filter(Boolean);
    if (fields.length < 2) continue;
    const parsed = canonicalAddress(fields[0]!);
    if (parsed === null) continue;
    const { family, address } = parsed;
    for (let i = 1; i < fields.length; i++) {
      const name = normalizeName(fields[i]!);
      if (matchZone(origins, name) === null) continue;
      if (name.startsWith('*.')) {
        append(family === 4 ? wild4 : wild6, name, address);
        continue;
      }
      append(family === 4 ? name4 : name6, name, address);
      if (autoReverse) append(addr, address, name);
    }
  }
  return { name4, name6, wild4, wild6, addr };
}

/** Addresses and names in the map: CoreDNS's Map.Len, the coredns_hosts_entries gauge. */
export function entryCount(map: HostsMap): number {
  let count = 0;
  for (const table of [map.name4, map.name6, map.wild4, map.wild6, map.addr]) {
    for (const list of table.values()) count += list.length;
  }
  return count;
}

/** `*.` and the name without its first label, or null for a single-label name (CoreDNS's replaceWithAsteriskLabel). */
export function wildcardOf(name: DomainName): DomainName | null {
  const dot = name.indexOf('.');
  return dot < 0 ? null : `*${name.slice(dot)}`;
}

/** The addresses of one family a map holds for `name`: the exact entry, else the wildcard one. */
export function lookupAddresses(map: HostsMap, family: 4 | 6, name: DomainName): readonly string[] {
  const exact = (family === 4 ? map.name4 : map.name6).get(name);
  if (exact !== undefined) return exact;
  const wildcard = wildcardOf(name);
  return wildcard === null ? [] : ((family === 4 ? map.wild4 : map.wild6).get(wildcard) ?? []);
}
