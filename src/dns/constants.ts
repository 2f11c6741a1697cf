/** Resource record types the server reads or writes (RFC 1035, 3596, 2782, 6891). */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

export const RRClass = {
  IN: 1,
  CH: 3,
  NONE: 254,
  ANY: 255,
} as const;

export const RCode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;

/** RCODEs above 15 travel partly in the OPT record (RFC 6891 6.1.3); only valid with EDNS. */
export const ExtendedRCode = {
  BADVERS: 16,
} as const;

export const Opcode = {
  QUERY: 0,
  IQUERY: 1,
  STATUS: 2,
  NOTIFY: 4,
  UPDATE: 5,
} as const;

/** Header flag bits as they sit in the 16-bit flags word (RFC 1035 4.1.1, RFC 4035 3.2). */
export const HeaderFlag = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

/** The fixed header before the question (RFC 1035 4.1.1). */
export const HEADER_LENGTH = 12;
/** Without EDNS a UDP answer must fit in 512 bytes (RFC 1035 4.2.1). */
export const MIN_UDP_SIZE = 512;
/** The payload size advertised in error replies to queries whose OPT record could not be read back. */
export const SERVER_UDP_SIZE = 1232;
export const MAX_MESSAGE_SIZE = 65535;

/*
 * Mnemonics as miekg/dns spells them (its TypeToString, ClassToString and RcodeToString): CoreDNS
 * prints and reads types, classes and RCODEs through it, so logs, metric labels and Corefile
 * arguments must use the same names.
 */

const TYPE_CODES: Readonly<Record<string, number>> = {
  ...RRType,
  // miekg writes these two in mixed case: a look-up by an upper-cased name misses them, as
  // miekg's StringToType[strings.ToUpper(s)] does.
  None: 0, Reserved: 65535,
  MD: 3, MF: 4, MB: 7, MG: 8, MR: 9, NULL: 10, MINFO: 14, RP: 17, AFSDB: 18, X25: 19, ISDN: 20,
  RT: 21, 'NSAP-PTR': 23, SIG: 24, KEY: 25, PX: 26, GPOS: 27, LOC: 29, NXT: 30, EID: 31, NIMLOC: 32,
  ATMA: 34, NAPTR: 35, KX: 36, CERT: 37, DNAME: 39, APL: 42, DS: 43, SSHFP: 44, IPSECKEY: 45,
  RRSIG: 46, NSEC: 47, DNSKEY: 48, DHCID: 49, NSEC3: 50, NSEC3PARAM: 51, TLSA: 52, SMIMEA: 53,
  HIP: 55, NINFO: 56, RKEY: 57, TALINK: 58, CDS: 59, CDNSKEY: 60, OPENPGPKEY: 61, CSYNC: 62,
  ZONEMD: 63, SVCB: 64, HTTPS: 65, SPF: 99, UINFO: 100, UID: 101, GID: 102, UNSPEC: 103, NID: 104,
  L32: 105, L64: 106, LP: 107, EUI48: 108, EUI64: 109, NXNAME: 128, TKEY: 249, TSIG: 250,
  MAILB: 253, MAILA: 254, URI: 256, CAA: 257, AVC: 258, AMTRELAY: 260, RESINFO: 261, TA: 32768,
  DLV: 32769,
};

const CLASS_CODES: Readonly<Record<string, number>> = { ...RRClass, CS: 2, HS: 4 };

/** miekg's RcodeToString: 16 is BADSIG there (TSIG's meaning); EDNS's BADVERS shares the code. */
const RCODE_CODES: Readonly<Record<string, number>> = {
  ...RCode,
  YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10, DSOTYPENI: 11, BADSIG: 16,
  BADKEY: 17, BADTIME: 18, BADMODE: 19, BADNAME: 20, BADALG: 21, BADTRUNC: 22, BADCOOKIE: 23,
};

function byCode(codes: Readonly<Record<string, number>>): Map<number, string> {
  return new Map(Object.entries(codes).map(([name, code]) => [code, name]));
}

const typeNames = byCode(TYPE_CODES);
const classNames = byCode(CLASS_CODES);
const rcodeMnemonics = byCode(RCODE_CODES);
const typeCodes = new Map(Object.entries(TYPE_CODES));
const classCodes = new Map(Object.entries(CLASS_CODES));
// miekg also reads NOTIMPL (an old misspelling); BADVERS is what this server sends 16 as.
const rcodeCodes = new Map([...Object.entries(RCODE_CODES), ['NOTIMPL', RCode.NOTIMP], ['BADVERS', ExtendedRCode.BADVERS]]);

/** Mnemonic for a type code, or RFC 3597's TYPEnnn form for one miekg does not name. */
export function typeName(type: number): string {
  return typeNames.get(type) ?? `TYPE${type}`;
}

/** Mnemonic for a class code, or RFC 3597's CLASSnnn form. */
export function className(cls: number): string {
  return classNames.get(cls) ?? `CLASS${cls}`;
}

/** The code of a type mnemonic in any case (miekg's StringToType), or undefined. */
export function typeFromName(text: string): number | undefined {
  return typeCodes.get(text.toUpperCase());
}

/** The code of a class mnemonic in any case (miekg's StringToClass), or undefined. */
export function classFromName(text: string): number | undefined {
  return classCodes.get(text.toUpperCase());
}

/** miekg's RcodeToString, which CoreDNS's logs and metric labels print (16 is BADSIG); undefined for a code it does not name. */
export function rcodeMnemonic(rcode: number): string | undefined {
  return rcodeMnemonics.get(rcode);
}

/** An RCODE for people reading this server's own output: 16 is BADVERS, the meaning it sends it with; RCODEnnn for one without a name. */
export function rcodeName(rcode: number): string {
  if (rcode === ExtendedRCode.BADVERS) return 'BADVERS';
  return rcodeMnemonics.get(rcode) ?? `RCODE${rcode}`;
}

/** The RCODE a name stands for in any case: miekg's StringToRcode (with NOTIMPL) and BADVERS; undefined for others. */
export function rcodeFromName(text: string): number | undefined {
  return rcodeCodes.get(text.toUpperCase());
}
