import { MAX_MESSAGE_SIZE, RRType } from './constants.ts';
import { DnsEncodeError, DnsParseError } from './errors.ts';
import { isIPv4Mapped, writeIPv4, writeIPv6 } from './ip.ts';
import type { EdnsOption } from './message.ts';
import { skipName } from './name-codec.ts';
import { OPT_RECORD_LENGTH } from './opt.ts';
import type { Query } from './types.ts';

/*
 * The options of a query's OPT record (RFC 6891 6.1.2), read out of its raw bytes and written
 * back into a copy of them, for plugins that change what the rest of the chain (and forward's
 * upstream) is asked. The server's own answers never carry a query's options.
 */

/** Option codes (IANA's DNS EDNS0 Option Codes registry). */
export const EdnsOptionCode = {
  NSID: 3,
  /** EDNS Client Subnet, RFC 7871. */
  SUBNET: 8,
} as const;

/** TYPE, CLASS, TTL and RDLENGTH after a record's owner name. */
const RECORD_FIXED_LENGTH = 10;
const OPTION_HEADER_LENGTH = 4;

/** Where a message's OPT record sits: its first byte, its RDATA, and the byte past it. */
interface OptPlace {
  readonly start: number;
  readonly dataStart: number;
  readonly end: number;
}

function recordEndAfterName(raw: Buffer, fixed: number): number {
  if (fixed + RECORD_FIXED_LENGTH > raw.length) throw new DnsParseError('record header truncated', fixed);
  const end = fixed + RECORD_FIXED_LENGTH + raw.readUInt16BE(fixed + 8);
  if (end > raw.length) throw new DnsParseError('record data truncated', fixed);
  return end;
}

/** The OPT record of a message whose question ends at `questionEnd`, or null. */
function findOpt(raw: Buffer, questionEnd: number): OptPlace | null {
  let pos = questionEnd;
  const skipped = raw.readUInt16BE(6) + raw.readUInt16BE(8);
  for (let i = 0; i < skipped; i++) pos = recordEndAfterName(raw, skipName(raw, pos));
  const additional = raw.readUInt16BE(10);
  for (let i = 0; i < additional; i++) {
    const start = pos;
    const fixed = skipName(raw, pos);
    pos = recordEndAfterName(raw, fixed);
    if (raw.readUInt16BE(fixed) === RRType.OPT) return { start, dataStart: fixed + RECORD_FIXED_LENGTH, end: pos };
  }
  return null;
}

/**
 * The options of the query's OPT record, in order, their data views on `query.raw`; null when
 * the query has no OPT record. Throws DnsParseError when the option framing does not hold
 * (parseQuery has already refused such queries).
 */
export function queryEdnsOptions(query: Query): EdnsOption[] | null {
  if (query.edns === null) return null;
  const { raw } = query;
  const place = findOpt(raw, query.questionEnd);
  if (place === null) return null;
  const options: EdnsOption[] = [];
  let pos = place.dataStart;
  while (pos < place.end) {
    if (pos + OPTION_HEADER_LENGTH > place.end) throw new DnsParseError('EDNS option header truncated', pos);
    const code = raw.readUInt16BE(pos);
    const dataEnd = pos + OPTION_HEADER_LENGTH + raw.readUInt16BE(pos + 2);
    if (dataEnd > place.end) throw new DnsParseError('EDNS option data truncated', pos);
    options.push({ code, data: raw.subarray(pos + OPTION_HEADER_LENGTH, dataEnd) });
    pos = dataEnd;
  }
  return options;
}

function optionsLength(options: readonly EdnsOption[]): number {
  let length = 0;
  for (const option of options) {
    if (option.data.length > 0xffff) throw new DnsEncodeError('EDNS option data longer than 65535 bytes', option.code);
    length += OPTION_HEADER_LENGTH + option.data.length;
  }
  if (length > 0xffff) throw new DnsEncodeError('EDNS options longer than 65535 bytes', length);
  return length;
}

function writeOptions(out: Buffer, offset: number, options: readonly EdnsOption[]): number {
  let pos = offset;
  for (const option of options) {
    out.writeUInt16BE(option.code, pos);
    out.writeUInt16BE(option.data.length, pos + 2);
    option.data.copy(out, pos + OPTION_HEADER_LENGTH);
    pos += OPTION_HEADER_LENGTH + option.data.length;
  }
  return pos;
}

/**
 * `query` with its OPT record's options replaced by `options`, its raw bytes rebuilt (the OPT
 * record keeps its UDP size, extended RCODE, version and flags). A query without an OPT record
 * gets one at the end of its additional section, version 0 with the DO bit clear, advertising
 * `addedUdpSize`. Throws DnsEncodeError when the message would outgrow 65535 bytes.
 */
export function withEdnsOptions(query: Query, options: readonly EdnsOption[], addedUdpSize: number): Query {
  const { raw } = query;
  const dataLength = optionsLength(options);
  const place = query.edns === null ? null : findOpt(raw, query.questionEnd);
  if (place === null) {
    const out = Buffer.allocUnsafe(raw.length + OPT_RECORD_LENGTH + dataLength);
    if (out.length > MAX_MESSAGE_SIZE) throw new DnsEncodeError('query larger than 65535 bytes', out.length);
    raw.copy(out);
    out.writeUInt16BE(raw.readUInt16BE(10) + 1, 10);
    let pos = raw.length;
    out[pos++] = 0;
    out.writeUInt16BE(RRType.OPT, pos);
    out.writeUInt16BE(addedUdpSize, pos + 2);
    out.writeUInt32BE(0, pos + 4);
    out.writeUInt16BE(dataLength, pos + 8);
    writeOptions(out, pos + RECORD_FIXED_LENGTH, options);
    return { ...query, raw: out, edns: { udpSize: addedUdpSize, version: 0, dnssecOk: false } };
  }
  const out = Buffer.allocUnsafe(place.dataStart + dataLength + raw.length - place.end);
  if (out.length > MAX_MESSAGE_SIZE) throw new DnsEncodeError('query larger than 65535 bytes', out.length);
  raw.copy(out, 0, 0, place.dataStart);
  out.writeUInt16BE(dataLength, place.dataStart - 2);
  const optEnd = writeOptions(out, place.dataStart, options);
  raw.copy(out, optEnd, place.end);
  return { ...query, raw: out };
}

/**
 * An address's bytes as Go's net.IP sees its family: 4 for IPv4 and for IPv4-mapped IPv6
 * (`::ffff:a.b.c.d`, what a dual-stack socket reports for an IPv4 peer), 16 for other IPv6;
 * null for text that is neither.
 */
export function addressBytes(text: string): Uint8Array | null {
  const v4 = new Uint8Array(4);
  if (writeIPv4(text, v4, 0)) return v4;
  const v6 = new Uint8Array(16);
  if (!writeIPv6(text, v6, 0)) return null;
  return isIPv4Mapped(v6) ? v6.subarray(12) : v6;
}

/**
 * The data of an EDNS Client Subnet option (RFC 7871 6) for `address` cut to its first
 * `prefixV4` or `prefixV6` bits: family, source prefix length, scope 0, and the address bytes
 * the prefix covers, the bits past it cleared. null for an address that does not parse.
 */
export function clientSubnetData(address: string, prefixV4: number, prefixV6: number): Buffer | null {
  const bytes = addressBytes(address);
  if (bytes === null) return null;
  const v4 = bytes.length === 4;
  const prefix = v4 ? prefixV4 : prefixV6;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) throw new DnsEncodeError('client subnet prefix out of range', prefix);
  const covered = Math.ceil(prefix / 8);
  const data = Buffer.alloc(4 + covered);
  data.writeUInt16BE(v4 ? 1 : 2, 0);
  data[2] = prefix;
  for (let i = 0; i < covered; i++) {
    const kept = Math.min(8, prefix - i * 8);
    data[4 + i] = (bytes[i] as number) & ((0xff << (8 - kept)) & 0xff);
  }
  return data;
}

