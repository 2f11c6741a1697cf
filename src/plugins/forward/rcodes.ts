/** RCODE mnemonics as miekg/dns's RcodeToString spells them: metric labels and `next`/`failover` arguments. */
const RCODE_NAMES: readonly (readonly [number, string])[] = [
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
  [16, 'BADSIG'],
  [17, 'BADKEY'],
  [18, 'BADTIME'],
  [19, 'BADMODE'],
  [20, 'BADNAME'],
  [21, 'BADALG'],
  [22, 'BADTRUNC'],
  [23, 'BADCOOKIE'],
];

const nameOf = new Map<number, string>(RCODE_NAMES);
const codeOf = new Map<string, number>(RCODE_NAMES.map(([code, name]) => [name, code]));
// miekg accepts these spellings as well.
codeOf.set('NOTIMPL', 4);
codeOf.set('BADVERS', 16);

/** The label CoreDNS puts on a reply's RCODE: its mnemonic, or the number for one without. */
export function rcodeLabel(rcode: number): string {
  return nameOf.get(rcode) ?? String(rcode);
}

/** An RCODE named in a Corefile, any case; undefined for an unknown name. */
export function rcodeFromName(text: string): number | undefined {
  return codeOf.get(text.toUpperCase());
}
