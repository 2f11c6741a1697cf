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

/** Without EDNS a UDP answer must fit in 512 bytes (RFC 1035 4.2.1). */
export const MIN_UDP_SIZE = 512;
/** The payload size advertised in error replies to queries whose OPT record could not be read back. */
export const SERVER_UDP_SIZE = 1232;
export const MAX_MESSAGE_SIZE = 65535;

const typeNames = new Map<number, string>(Object.entries(RRType).map(([name, code]) => [code, name]));
const rcodeNames = new Map<number, string>(Object.entries(RCode).map(([name, code]) => [code, name]));
const classNames = new Map<number, string>(Object.entries(RRClass).map(([name, code]) => [code, name]));

/** Mnemonic for a type code, or RFC 3597's TYPEnnn form for one this server does not name. */
export function typeName(type: number): string {
  return typeNames.get(type) ?? `TYPE${type}`;
}

export function rcodeName(rcode: number): string {
  return rcodeNames.get(rcode) ?? `RCODE${rcode}`;
}

export function className(cls: number): string {
  return classNames.get(cls) ?? `CLASS${cls}`;
}
