/** The query types CoreDNS's metrics name (vars/monitor.go); every other type counts as "other". */
const MONITORED_TYPES: readonly (readonly [number, string])[] = [
  [1, 'A'],
  [2, 'NS'],
  [5, 'CNAME'],
  [6, 'SOA'],
  [12, 'PTR'],
  [15, 'MX'],
  [16, 'TXT'],
  [28, 'AAAA'],
  [33, 'SRV'],
  [43, 'DS'],
  [46, 'RRSIG'],
  [47, 'NSEC'],
  [48, 'DNSKEY'],
  [50, 'NSEC3'],
  [64, 'SVCB'],
  [65, 'HTTPS'],
  [251, 'IXFR'],
  [252, 'AXFR'],
  [255, 'ANY'],
];

/** The `type` label values, by slot; the last slot is "other". */
export const TYPE_LABELS: readonly string[] = [...MONITORED_TYPES.map(([, name]) => name), 'other'];

const typeSlots = new Map<number, number>(MONITORED_TYPES.map(([code], slot) => [code, slot]));
const OTHER_SLOT = MONITORED_TYPES.length;

/** The slot of a query type in TYPE_LABELS. */
export function typeSlot(type: number): number {
  return typeSlots.get(type) ?? OTHER_SLOT;
}

/** miekg/dns's RcodeToString, which CoreDNS's rcode label uses; others are `RCODE<n>`. */
const RCODE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'NOERROR'],
  [1, 'FORMERR'],
  [2, 'SERVFAIL'],
  [3, 'NXDOMAIN'],
  [4, 'NOTIMP'],
  [5, 'REFUSED'],
  [6, 'YXDOMAIN'],
  [7, 'YXRRSET'],
  [8, 'NXRRSET'],
  [9, 'NOTAUTH'],
  [10, 'NOTZONE'],
  [11, 'DSOTYPENI'],
  [16, 'BADSIG'],
  [17, 'BADKEY'],
  [18, 'BADTIME'],
  [19, 'BADMODE'],
  [20, 'BADNAME'],
  [21, 'BADALG'],
  [22, 'BADTRUNC'],
  [23, 'BADCOOKIE'],
]);

export function rcodeLabel(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`;
}
