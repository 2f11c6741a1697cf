import { RRType } from './constants.ts';

/** An OPT record without options: root name, type, class, TTL, RDLENGTH. */
export const OPT_RECORD_LENGTH = 11;

const DO_BIT = 0x8000;

/**
 * Writes this server's OPT record (version 0, no options) at `offset`. The extended RCODE holds
 * the upper 8 bits of a 12-bit RCODE (RFC 6891 6.1.3).
 */
export function writeOpt(out: Uint8Array, offset: number, udpSize: number, rcode: number, dnssecOk: boolean): number {
  out[offset] = 0;
  out[offset + 1] = 0;
  out[offset + 2] = RRType.OPT;
  out[offset + 3] = udpSize >> 8;
  out[offset + 4] = udpSize & 0xff;
  out[offset + 5] = (rcode >> 4) & 0xff;
  out[offset + 6] = 0;
  out[offset + 7] = dnssecOk ? DO_BIT >> 8 : 0;
  out[offset + 8] = 0;
  out[offset + 9] = 0;
  out[offset + 10] = 0;
  return offset + OPT_RECORD_LENGTH;
}

/** Reads the DO bit from an OPT record's TTL field at `ttlOffset`. */
export function readDnssecOk(buf: Uint8Array, ttlOffset: number): boolean {
  return ((buf[ttlOffset + 2] as number) & (DO_BIT >> 8)) !== 0;
}
