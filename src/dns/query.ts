import { randomInt } from 'node:crypto';
import { ExtendedRCode, HEADER_LENGTH, HeaderFlag, MIN_UDP_SIZE, Opcode, RCode, RRClass, RRType, SERVER_UDP_SIZE } from './constants.ts';
import { DnsEncodeError, DnsParseError } from './errors.ts';
import { decodeName, decoded, skipName, writeName } from './name-codec.ts';
import { nameWireLength } from './names.ts';
import { OPT_RECORD_LENGTH, readDnssecOk, writeOpt } from './opt.ts';
import type { DomainName, Edns, Query } from './types.ts';

export type ParsedQuery = { kind: 'query'; query: Query } | { kind: 'reject'; rcode: number } | { kind: 'drop' };

/** Whether the question's name has upper-case letters: then the client's spelling differs from `name`. */
export function questionHasUpperCase(query: Query): boolean {
  const { raw } = query;
  const end = query.questionEnd - 4;
  // Length bytes are below 64, so only label bytes can fall in A-Z.
  for (let i = HEADER_LENGTH; i < end; i++) {
    const b = raw[i] as number;
    if (b >= 0x41 && b <= 0x5a) return true;
  }
  return false;
}

/** The question's name as the client spelled it: DomainName form with the letters' case kept. */
export function spelledQuestionName(query: Query): DomainName {
  return decodeName(query.raw, HEADER_LENGTH, false, true);
}

/** TYPE, CLASS, TTL and RDLENGTH after a record's owner name. */
const RECORD_FIXED_LENGTH = 10;

const DROP: ParsedQuery = Object.freeze({ kind: 'drop' });
const FORMERR: ParsedQuery = Object.freeze({ kind: 'reject', rcode: RCode.FORMERR });
const NOTIMP: ParsedQuery = Object.freeze({ kind: 'reject', rcode: RCode.NOTIMP });
const BADVERS: ParsedQuery = Object.freeze({ kind: 'reject', rcode: ExtendedRCode.BADVERS });

/**
 * Reads a query off the wire. Responses and runts are dropped (answering them could feed a
 * reflection loop); anything else malformed is rejected with the RCODE to answer.
 */
export function parseQuery(buf: Buffer): ParsedQuery {
  if (buf.length < HEADER_LENGTH) return DROP;
  const flags = ((buf[2] as number) << 8) | (buf[3] as number);
  if ((flags & HeaderFlag.QR) !== 0) return DROP;
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== Opcode.QUERY) return NOTIMP;
  if (buf[4] !== 0 || buf[5] !== 1) return FORMERR;
  try {
    return parseQuestionAndRecords(buf, flags, opcode);
  } catch (error) {
    if (error instanceof DnsParseError) return FORMERR;
    throw error;
  }
}

function parseQuestionAndRecords(buf: Buffer, flags: number, opcode: number): ParsedQuery {
  const length = buf.length;
  // A pointer in the question could only aim into the header: no sender does that on purpose,
  // and refusing it keeps the echoed question as long as the name it decodes to.
  const name = decodeName(buf, HEADER_LENGTH, false);
  const questionEnd = decoded.end + 4;
  if (questionEnd > length) throw new DnsParseError('question truncated', decoded.end);
  const type = ((buf[questionEnd - 4] as number) << 8) | (buf[questionEnd - 3] as number);
  const qclass = ((buf[questionEnd - 2] as number) << 8) | (buf[questionEnd - 1] as number);

  let pos = questionEnd;
  const skipped = buf.readUInt16BE(6) + buf.readUInt16BE(8);
  for (let i = 0; i < skipped; i++) pos = skipRecord(buf, skipName(buf, pos));

  let edns: Edns | null = null;
  const additional = buf.readUInt16BE(10);
  for (let i = 0; i < additional; i++) {
    const recordStart = pos;
    const owner = decodeName(buf, pos, true);
    const fixed = decoded.end;
    if (fixed + RECORD_FIXED_LENGTH <= length && buf[fixed] === 0 && buf[fixed + 1] === RRType.OPT) {
      if (owner !== '') throw new DnsParseError('OPT record not owned by the root', recordStart);
      if (edns !== null) throw new DnsParseError('second OPT record', recordStart);
      pos = skipRecord(buf, fixed);
      checkOptions(buf, fixed + RECORD_FIXED_LENGTH, pos);
      const udpSize = ((buf[fixed + 2] as number) << 8) | (buf[fixed + 3] as number);
      edns = {
        udpSize: udpSize < MIN_UDP_SIZE ? MIN_UDP_SIZE : udpSize,
        version: buf[fixed + 5] as number,
        dnssecOk: readDnssecOk(buf, fixed + 4),
      };
    } else {
      pos = skipRecord(buf, fixed);
    }
  }
  if (pos !== length) throw new DnsParseError('trailing bytes after the last record', pos);
  if (edns !== null && edns.version > 0) return BADVERS;

  const query: Query = {
    id: ((buf[0] as number) << 8) | (buf[1] as number),
    opcode,
    flags,
    recursionDesired: (flags & HeaderFlag.RD) !== 0,
    checkingDisabled: (flags & HeaderFlag.CD) !== 0,
    name,
    type,
    class: qclass,
    edns,
    raw: buf,
    questionEnd,
  };
  return { kind: 'query', query };
}

/** Skips TYPE..RDATA of a record whose owner name ends at `fixed`; returns the record's end. */
function skipRecord(buf: Buffer, fixed: number): number {
  if (fixed + RECORD_FIXED_LENGTH > buf.length) throw new DnsParseError('record header truncated', fixed);
  const end = fixed + RECORD_FIXED_LENGTH + (((buf[fixed + 8] as number) << 8) | (buf[fixed + 9] as number));
  if (end > buf.length) throw new DnsParseError('record data truncated', fixed);
  return end;
}

/** EDNS options are not kept, but their framing must hold (RFC 6891 6.1.2). */
function checkOptions(buf: Buffer, start: number, end: number): void {
  let pos = start;
  while (pos < end) {
    if (pos + 4 > end) throw new DnsParseError('EDNS option header truncated', pos);
    pos += 4 + (((buf[pos + 2] as number) << 8) | (buf[pos + 3] as number));
    if (pos > end) throw new DnsParseError('EDNS option data truncated', pos);
  }
}

/** What encodeReject could salvage from a message it must answer. */
interface Salvage {
  questionEnd: number;
  /** The OPT record's TTL offset, or -1. */
  optTtl: number;
}

/**
 * The error reply to a rejected query: same ID, QR set, opcode copied, RD and CD copied for
 * QUERY (as miekg's SetReply does), the RCODE; the question when there is exactly one and it
 * parses, for QUERY only (CoreDNS sends none on NOTIMP); an OPT record (version 0, DO copied,
 * carrying the upper RCODE bits for BADVERS) when the query had a well-formed one. null for
 * less than a header. Never throws.
 */
export function encodeReject(buf: Buffer, rcode: number): Buffer | null {
  if (buf.length < HEADER_LENGTH) return null;
  const flags = ((buf[2] as number) << 8) | (buf[3] as number);
  const opcode = (flags >> 11) & 0xf;
  const salvage: Salvage = { questionEnd: -1, optTtl: -1 };
  try {
    salvageQuestionAndOpt(buf, opcode, salvage);
  } catch {
    // Whatever was found before the message broke off is still good to use.
  }
  const questionLength = salvage.questionEnd < 0 ? 0 : salvage.questionEnd - HEADER_LENGTH;
  const hasOpt = salvage.optTtl >= 0;
  const out = Buffer.allocUnsafe(HEADER_LENGTH + questionLength + (hasOpt ? OPT_RECORD_LENGTH : 0));
  const copied = opcode === Opcode.QUERY ? flags & (HeaderFlag.RD | HeaderFlag.CD) : 0;
  const replyFlags = HeaderFlag.QR | (opcode << 11) | copied | (rcode & 0xf);
  out[0] = buf[0] as number;
  out[1] = buf[1] as number;
  out.writeUInt16BE(replyFlags, 2);
  out.writeUInt32BE(questionLength > 0 ? 0x00010000 : 0, 4);
  out.writeUInt32BE(hasOpt ? 1 : 0, 8);
  buf.copy(out, HEADER_LENGTH, HEADER_LENGTH, HEADER_LENGTH + questionLength);
  if (hasOpt) writeOpt(out, HEADER_LENGTH + questionLength, SERVER_UDP_SIZE, rcode, readDnssecOk(buf, salvage.optTtl));
  return out;
}

function salvageQuestionAndOpt(buf: Buffer, opcode: number, salvage: Salvage): void {
  const questions = buf.readUInt16BE(4);
  let pos = HEADER_LENGTH;
  for (let i = 0; i < questions; i++) {
    pos = (i === 0 ? (decodeName(buf, pos, false), decoded.end) : skipName(buf, pos)) + 4;
    if (pos > buf.length) return;
    if (i === 0 && questions === 1 && opcode === Opcode.QUERY) salvage.questionEnd = pos;
  }
  const records = buf.readUInt16BE(6) + buf.readUInt16BE(8);
  for (let i = 0; i < records; i++) pos = skipRecord(buf, skipName(buf, pos));
  const additional = buf.readUInt16BE(10);
  for (let i = 0; i < additional; i++) {
    const fixed = skipName(buf, pos);
    const end = skipRecord(buf, fixed);
    if (buf[pos] === 0 && buf[fixed] === 0 && buf[fixed + 1] === RRType.OPT) {
      checkOptions(buf, fixed + RECORD_FIXED_LENGTH, end);
      salvage.optTtl = fixed + 4;
      return;
    }
    pos = end;
  }
}

export interface EncodeQueryOptions {
  /** Random when absent. */
  id?: number;
  /** Defaults to true. */
  recursionDesired?: boolean;
  /** No OPT record when absent or null. */
  edns?: { udpSize: number; dnssecOk?: boolean } | null;
  /** Defaults to IN. */
  class?: number;
}

/** A one-question query, for clients: forward health checks, the loop plugin, the resolve tool. */
export function encodeQuery(name: DomainName, type: number, options: EncodeQueryOptions = {}): Buffer {
  const id = options.id ?? randomInt(0, 0x10000);
  const qclass = options.class ?? RRClass.IN;
  const edns = options.edns ?? null;
  checkUint16(id, 'query ID');
  checkUint16(type, 'query type');
  checkUint16(qclass, 'query class');
  if (edns !== null) checkUint16(edns.udpSize, 'EDNS UDP size');
  const questionEnd = HEADER_LENGTH + nameWireLength(name) + 4;
  const out = Buffer.allocUnsafe(questionEnd + (edns === null ? 0 : OPT_RECORD_LENGTH));
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(options.recursionDesired === false ? 0 : HeaderFlag.RD, 2);
  out.writeUInt32BE(0x00010000, 4);
  out.writeUInt32BE(edns === null ? 0 : 1, 8);
  const nameEnd = writeName(name, out, HEADER_LENGTH);
  out.writeUInt16BE(type, nameEnd);
  out.writeUInt16BE(qclass, nameEnd + 2);
  if (edns !== null) writeOpt(out, questionEnd, edns.udpSize, 0, edns.dnssecOk === true);
  return out;
}

function checkUint16(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new DnsEncodeError(`${what} out of range`, value);
}
