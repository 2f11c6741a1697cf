import { RRType } from './constants.ts';

/** An OPT record without options: root name, type, class, TTL, RDLENGTH. */
export const OPT_RECORD_LENGTH = 11;

const DO_BIT = 0x8000;

/**
 * Writes this server's OPT record (version 0, no options) at `offset`. The extended RCODE holds
 * the upper 8 bits of a 12-bit RCODE (RFC 6891 6.1.3).
 */
/** An OPT record's length with an Extended DNS Error option (code, length, info code: 2 bytes each). */
export const OPT_WITH_EDE_LENGTH = OPT_RECORD_LENGTH + 6;
const EDE_OPTION = 15;

/**
 * The OPT record, with an Extended DNS Error option when `ede` is given (and its EXTRA-TEXT when
 * `edeText` is); returns the offset past it.
 */
export function writeOpt(out: Uint8Array, offset: number, udpSize: number, rcode: number, dnssecOk: boolean, ede?: number, edeText?: Uint8Array): number {
  if (ede !== undefined) {
    writeOpt(out, offset, udpSize, rcode, dnssecOk);
    const optionLength = 2 + (edeText?.length ?? 0);
    out[offset + 9] = (optionLength + 4) >> 8;
    out[offset + 10] = (optionLength + 4) & 0xff;
    out[offset + 11] = EDE_OPTION >> 8;
    out[offset + 12] = EDE_OPTION & 0xff;
    out[offset + 13] = optionLength >> 8;
    out[offset + 14] = optionLength & 0xff;
    out[offset + 15] = ede >> 8;
    out[offset + 16] = ede & 0xff;
    if (edeText !== undefined) out.set(edeText, offset + OPT_WITH_EDE_LENGTH);
    return offset + OPT_WITH_EDE_LENGTH + (edeText?.length ?? 0);
  }
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

/**
 * Appends encoded EDNS options (code, length, data each) to the OPT record written at `optStart`,
 * which ends at `optEnd`, and counts them in its RDLENGTH.
 */
export function appendOptions(out: Uint8Array, optStart: number, optEnd: number, options: Uint8Array): void {
  out.set(options, optEnd);
  const rdLength = (((out[optStart + 9] as number) << 8) | (out[optStart + 10] as number)) + options.length;
  out[optStart + 9] = rdLength >> 8;
  out[optStart + 10] = rdLength & 0xff;
}

/** One EDNS option, encoded as an OPT record carries it. */
export function encodeOption(code: number, data: Uint8Array): Buffer {
  const option = Buffer.allocUnsafe(4 + data.length);
  option.writeUInt16BE(code, 0);
  option.writeUInt16BE(data.length, 2);
  option.set(data, 4);
  return option;
}
