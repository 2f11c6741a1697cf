import { readFileSync } from 'node:fs';

/** Linux's capability number for binding ports below ip_unprivileged_port_start. */
const CAP_NET_BIND_SERVICE = 10n;

/**
 * Whether this process may listen on the example's service ports below 1024 (80, 53, 443): as
 * root, with CAP_NET_BIND_SERVICE, or when the kernel lets anyone bind them. Undefined where
 * this cannot be read (not Linux).
 */
export function canBindPortsBelow1024(): boolean | undefined {
  if (process.platform !== 'linux') return undefined;
  if (process.getuid?.() === 0) return true;
  try {
    const firstUnprivileged = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
    if (firstUnprivileged <= 53) return true;
    const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return effective !== undefined && ((BigInt(`0x${effective}`) >> CAP_NET_BIND_SERVICE) & 1n) === 1n;
  } catch {
    return undefined;
  }
}
