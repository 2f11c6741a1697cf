import { rcodeMnemonic, typeFromName } from '../dns/constants.ts';

/** The query types CoreDNS's metrics name (vars/monitor.go); every other type counts as "other". */
const MONITORED_TYPES: readonly string[] = [
  'A', 'NS', 'CNAME', 'SOA', 'PTR', 'MX', 'TXT', 'AAAA', 'SRV', 'DS', 'RRSIG', 'NSEC', 'DNSKEY', 'NSEC3',
  'SVCB', 'HTTPS', 'IXFR', 'AXFR', 'ANY',
];

/** The `type` label values, by slot; the last slot is "other". */
export const TYPE_LABELS: readonly string[] = [...MONITORED_TYPES, 'other'];

const typeSlots = new Map<number, number>(MONITORED_TYPES.map((name, slot) => [typeFromName(name) as number, slot]));
const OTHER_SLOT = MONITORED_TYPES.length;

/** The slot of a query type in TYPE_LABELS. */
export function typeSlot(type: number): number {
  return typeSlots.get(type) ?? OTHER_SLOT;
}

/** CoreDNS's rcode label (its rcode.ToString): miekg's mnemonic, or `RCODE<n>`. */
export function rcodeLabel(rcode: number): string {
  return rcodeMnemonic(rcode) ?? `RCODE${rcode}`;
}
