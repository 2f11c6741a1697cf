import { isUtf8 } from 'node:buffer';
import { HEADER_LENGTH, HeaderFlag, RRClass, RRType } from './constants.ts';
import { DnsParseError } from './errors.ts';
import { formatIPv4, formatIPv6 } from './ip.ts';
import { decodeName, decoded } from './name-codec.ts';
import type { DomainName, ResourceRecord } from './types.ts';

/** A record of a type the server does not model (or whose data it cannot represent losslessly). */
export interface UnknownRecord {
  readonly name: DomainName;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** The RDATA as sent; names inside it may hold compression pointers into the original message. */
  readonly data: Buffer;
}

export interface EdnsOption {
  readonly code: number;
  readonly data: Buffer;
}

/** The EDNS(0) pseudo-record, as sent (the UDP size is not raised to 512 here). */
export interface OptRecord {
  readonly name: '';
  readonly type: typeof RRType.OPT;
  readonly udpSize: number;
  /** The upper 8 bits of the 12-bit RCODE. */
  readonly extendedRcode: number;
  readonly version: number;
  readonly dnssecOk: boolean;
  readonly options: readonly EdnsOption[];
}

export type DecodedRecord = ResourceRecord | UnknownRecord | OptRecord;

export interface Question {
  readonly name: DomainName;
  readonly type: number;
  readonly class: number;
}

export interface SectionOffsets {
  readonly question: number;
  readonly answer: number;
  readonly authority: number;
  readonly additional: number;
  /** The message length. */
  readonly end: number;
}

export interface DecodedMessage {
  readonly id: number;
  /** The 16-bit flags word as received. */
  readonly flags: number;
  readonly opcode: number;
  /** The full RCODE: the header's 4 bits plus the OPT record's upper bits. */
  readonly rcode: number;
  readonly response: boolean;
  readonly authoritative: boolean;
  readonly truncated: boolean;
  readonly recursionDesired: boolean;
  readonly recursionAvailable: boolean;
  readonly authenticData: boolean;
  readonly checkingDisabled: boolean;
  readonly questions: readonly Question[];
  readonly answer: readonly DecodedRecord[];
  readonly authority: readonly DecodedRecord[];
  /** Includes the OPT record, if any, where it appeared. */
  readonly additional: readonly DecodedRecord[];
  readonly sections: SectionOffsets;
  readonly opt: OptRecord | null;
  /** Where the OPT record starts and how long it is, so it can be cut out; null without one. */
  readonly optRange: { readonly offset: number; readonly length: number } | null;
  /** Message offset of the TTL field of every record but the OPT, in message order. */
  readonly ttlOffsets: Uint32Array;
}

const FIXED_LENGTH = 10;

/** Cursor state of one decode. */
interface Reader {
  readonly buf: Buffer;
  pos: number;
  opt: OptRecord | null;
  optOffset: number;
  optLength: number;
  readonly ttlOffsets: number[];
}

/** Decodes a whole message strictly; throws DnsParseError (with the offset) on anything malformed. */
export function decodeMessage(buf: Buffer): DecodedMessage {
  if (buf.length < HEADER_LENGTH) throw new DnsParseError('message shorter than a header', buf.length);
  const flags = buf.readUInt16BE(2);
  const reader: Reader = { buf, pos: HEADER_LENGTH, opt: null, optOffset: -1, optLength: 0, ttlOffsets: [] };

  const questions: Question[] = [];
  const questionCount = buf.readUInt16BE(4);
  for (let i = 0; i < questionCount; i++) {
    const name = decodeName(buf, reader.pos, true);
    const pos = decoded.end;
    if (pos + 4 > buf.length) throw new DnsParseError('question truncated', pos);
    questions.push({ name, type: buf.readUInt16BE(pos), class: buf.readUInt16BE(pos + 2) });
    reader.pos = pos + 4;
  }
  const answerStart = reader.pos;
  const answer = readSection(reader, buf.readUInt16BE(6), false);
  const authorityStart = reader.pos;
  const authority = readSection(reader, buf.readUInt16BE(8), false);
  const additionalStart = reader.pos;
  const additional = readSection(reader, buf.readUInt16BE(10), true);
  if (reader.pos !== buf.length) throw new DnsParseError('trailing bytes after the last record', reader.pos);

  const opt = reader.opt;
  return {
    id: buf.readUInt16BE(0),
    flags,
    opcode: (flags >> 11) & 0xf,
    rcode: (flags & 0xf) | (opt === null ? 0 : opt.extendedRcode << 4),
    response: (flags & HeaderFlag.QR) !== 0,
    authoritative: (flags & HeaderFlag.AA) !== 0,
    truncated: (flags & HeaderFlag.TC) !== 0,
    recursionDesired: (flags & HeaderFlag.RD) !== 0,
    recursionAvailable: (flags & HeaderFlag.RA) !== 0,
    authenticData: (flags & HeaderFlag.AD) !== 0,
    checkingDisabled: (flags & HeaderFlag.CD) !== 0,
    questions,
    answer,
    authority,
    additional,
    sections: { question: HEADER_LENGTH, answer: answerStart, authority: authorityStart, additional: additionalStart, end: buf.length },
    opt,
    optRange: opt === null ? null : { offset: reader.optOffset, length: reader.optLength },
    ttlOffsets: Uint32Array.from(reader.ttlOffsets),
  };
}

function readSection(reader: Reader, count: number, optAllowed: boolean): DecodedRecord[] {
  const records: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) records.push(readRecord(reader, optAllowed));
  return records;
}

function readRecord(reader: Reader, optAllowed: boolean): DecodedRecord {
  const buf = reader.buf;
  const start = reader.pos;
  const name = decodeName(buf, start, true);
  const fixed = decoded.end;
  if (fixed + FIXED_LENGTH > buf.length) throw new DnsParseError('record header truncated', fixed);
  const type = buf.readUInt16BE(fixed);
  const rclass = buf.readUInt16BE(fixed + 2);
  const ttl = buf.readUInt32BE(fixed + 4);
  const dataStart = fixed + FIXED_LENGTH;
  const dataEnd = dataStart + buf.readUInt16BE(fixed + 8);
  if (dataEnd > buf.length) throw new DnsParseError('record data truncated', fixed);
  reader.pos = dataEnd;
  if (type === RRType.OPT) {
    if (!optAllowed) throw new DnsParseError('OPT record outside the additional section', start);
    if (name !== '') throw new DnsParseError('OPT record not owned by the root', start);
    if (reader.opt !== null) throw new DnsParseError('second OPT record', start);
    reader.opt = readOpt(buf, fixed, dataStart, dataEnd);
    reader.optOffset = start;
    reader.optLength = dataEnd - start;
    return reader.opt;
  }
  reader.ttlOffsets.push(fixed + 4);
  const modelled = readModelled(buf, name, type, rclass, ttl, dataStart, dataEnd);
  return modelled ?? { name, type, class: rclass, ttl, data: Buffer.from(buf.subarray(dataStart, dataEnd)) };
}

function readOpt(buf: Buffer, fixed: number, dataStart: number, dataEnd: number): OptRecord {
  const options: EdnsOption[] = [];
  let pos = dataStart;
  while (pos < dataEnd) {
    if (pos + 4 > dataEnd) throw new DnsParseError('EDNS option header truncated', pos);
    const end = pos + 4 + buf.readUInt16BE(pos + 2);
    if (end > dataEnd) throw new DnsParseError('EDNS option data truncated', pos);
    options.push({ code: buf.readUInt16BE(pos), data: Buffer.from(buf.subarray(pos + 4, end)) });
    pos = end;
  }
  return {
    name: '',
    type: RRType.OPT,
    udpSize: buf.readUInt16BE(fixed + 2),
    extendedRcode: buf[fixed + 4] as number,
    version: buf[fixed + 5] as number,
    dnssecOk: ((buf[fixed + 6] as number) & 0x80) !== 0,
    options,
  };
}

/** The typed form of a record, or null to keep it as an UnknownRecord. */
function readModelled(
  buf: Buffer,
  name: DomainName,
  type: number,
  rclass: number,
  ttl: number,
  start: number,
  end: number,
): ResourceRecord | null {
  const length = end - start;
  // Outside IN, address formats differ (CHAOS A) and updates send empty RDATA: keep those raw.
  if (rclass !== RRClass.IN && (length === 0 || type === RRType.A || type === RRType.AAAA)) return null;
  const base = { name, class: rclass, ttl };
  switch (type) {
    case RRType.A:
      expectLength(length, 4, start);
      return { ...base, type: RRType.A, address: formatIPv4(buf, start) };
    case RRType.AAAA:
      expectLength(length, 16, start);
      return { ...base, type: RRType.AAAA, address: formatIPv6(buf, start) };
    case RRType.CNAME:
      return { ...base, type: RRType.CNAME, target: nameFilling(buf, start, end) };
    case RRType.PTR:
      return { ...base, type: RRType.PTR, target: nameFilling(buf, start, end) };
    case RRType.NS:
      return { ...base, type: RRType.NS, target: nameFilling(buf, start, end) };
    case RRType.SRV:
      if (length < 7) throw new DnsParseError('SRV data too short', start);
      return {
        ...base,
        type: RRType.SRV,
        priority: buf.readUInt16BE(start),
        weight: buf.readUInt16BE(start + 2),
        port: buf.readUInt16BE(start + 4),
        target: nameFilling(buf, start + 6, end),
      };
    case RRType.MX:
      if (length < 3) throw new DnsParseError('MX data too short', start);
      return { ...base, type: RRType.MX, preference: buf.readUInt16BE(start), exchange: nameFilling(buf, start + 2, end) };
    case RRType.SOA: {
      const mname = decodeName(buf, start, true);
      const rname = decodeName(buf, decoded.end, true);
      const numbers = decoded.end;
      expectLength(end - numbers, 20, numbers);
      return {
        ...base,
        type: RRType.SOA,
        mname,
        rname,
        serial: buf.readUInt32BE(numbers),
        refresh: buf.readUInt32BE(numbers + 4),
        retry: buf.readUInt32BE(numbers + 8),
        expire: buf.readUInt32BE(numbers + 12),
        minimum: buf.readUInt32BE(numbers + 16),
      };
    }
    case RRType.TXT: {
      const text = characterStrings(buf, start, end);
      return text === null ? null : { ...base, type: RRType.TXT, text };
    }
    case RRType.HINFO: {
      const strings = characterStrings(buf, start, end);
      if (strings === null) return null;
      if (strings.length !== 2) throw new DnsParseError('HINFO needs exactly two strings', start);
      return { ...base, type: RRType.HINFO, cpu: strings[0] as string, os: strings[1] as string };
    }
    default:
      return null;
  }
}

function expectLength(actual: number, expected: number, offset: number): void {
  if (actual !== expected) throw new DnsParseError(`record data is ${actual} bytes, expected ${expected}`, offset);
}

/** A name that must take up exactly the rest of the record data. */
function nameFilling(buf: Buffer, start: number, end: number): DomainName {
  const name = decodeName(buf, start, true);
  if (decoded.end !== end) throw new DnsParseError('name does not fill the record data', start);
  return name;
}

/** The character-strings of the data, or null when one is not UTF-8 (so it stays raw, losslessly). */
function characterStrings(buf: Buffer, start: number, end: number): string[] | null {
  const strings: string[] = [];
  let pos = start;
  while (pos < end) {
    const stringEnd = pos + 1 + (buf[pos] as number);
    if (stringEnd > end) throw new DnsParseError('character-string runs past the record data', pos);
    const bytes = buf.subarray(pos + 1, stringEnd);
    if (!isUtf8(bytes)) return null;
    strings.push(bytes.toString('utf8'));
    pos = stringEnd;
  }
  return strings;
}
