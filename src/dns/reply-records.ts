import { HEADER_LENGTH, HeaderFlag, RRType } from './constants.ts';
import { DnsParseError } from './errors.ts';
import { decodeMessage, type DecodedRecord, type UnknownRecord } from './message.ts';
import { decodeName } from './name-codec.ts';
import { encodeName } from './names.ts';
import type { DomainName, Query, Reply, ResourceRecord } from './types.ts';

/*
 * Reading a Reply's records back out of its body, for plugins that look at or change what
 * another plugin answered. In place: a record's TYPE and CLASS sit just before its TTL and its
 * RDLENGTH just after, so Reply.ttlOffsets give every record's fixed fields and bounds, and
 * names are decoded only when asked for (cache, loadbalance). Decoded: every record as a value,
 * to be changed and encoded again with prepareReply (rewrite, autopath).
 */

/** RDATA starts after the TTL (4 bytes) and RDLENGTH (2 bytes). */
const TTL_TO_DATA = 6;
/** The shortest owner name (the root label) before TYPE and CLASS. */
const MIN_OWNER_AND_TYPE = 5;

export function recordType(body: Buffer, ttlAt: number): number {
  return ((body[ttlAt - 4] as number) << 8) | (body[ttlAt - 3] as number);
}

export function recordClass(body: Buffer, ttlAt: number): number {
  return ((body[ttlAt - 2] as number) << 8) | (body[ttlAt - 1] as number);
}

export function recordTtl(body: Buffer, ttlAt: number): number {
  return body.readUInt32BE(ttlAt);
}

export function recordDataStart(ttlAt: number): number {
  return ttlAt + TTL_TO_DATA;
}

/** Offset just past the record whose TTL is at `ttlAt`. */
export function recordEnd(body: Buffer, ttlAt: number): number {
  return ttlAt + TTL_TO_DATA + (((body[ttlAt + 4] as number) << 8) | (body[ttlAt + 5] as number));
}

/** Where record `index` starts: right after the one before it. */
export function recordStart(reply: Reply, index: number): number {
  return index === 0 ? 0 : recordEnd(reply.body, reply.ttlOffsets[index - 1] as number);
}

/**
 * Whether `ttlOffsets` describe the body record by record, back to back to its end. Replies come
 * from other plugins (forward relays upstream bytes); one that does not hold is passed through
 * untouched rather than cached or reordered.
 */
export function isWalkable(reply: Reply): boolean {
  const { body, ttlOffsets } = reply;
  if (ttlOffsets.length !== reply.answerCount + reply.authorityCount + reply.additionalCount) return false;
  let end = 0;
  for (let i = 0; i < ttlOffsets.length; i++) {
    const ttlAt = ttlOffsets[i] as number;
    if (ttlAt < end + MIN_OWNER_AND_TYPE || ttlAt + TTL_TO_DATA > body.length) return false;
    end = recordEnd(body, ttlAt);
    if (end > body.length) return false;
  }
  return end === body.length;
}

/**
 * Decodes names in a Reply's body. Compression pointers are message offsets computed for the body
 * sitting behind the question, so the names are read from the query's header and question
 * followed by the body, assembled once on first use.
 */
export class BodyNames {
  private readonly query: Query;
  private readonly reply: Reply;
  private message: Buffer | null = null;

  constructor(query: Query, reply: Reply) {
    this.query = query;
    this.reply = reply;
  }

  /** The lower-cased name at `offset` in the body; throws DnsParseError when it does not decode. */
  nameAt(offset: number): DomainName {
    if (offset >= this.reply.body.length) throw new DnsParseError('name outside the reply body', offset);
    let message = this.message;
    if (message === null) {
      const { raw, questionEnd } = this.query;
      message = this.message = Buffer.concat([raw.subarray(0, questionEnd), this.reply.body]);
    }
    return decodeName(message, this.query.questionEnd + offset, true);
  }

  owner(index: number): DomainName {
    return this.nameAt(recordStart(this.reply, index));
  }

  /** The name a CNAME (or NS, PTR) record's RDATA holds. */
  target(index: number): DomainName {
    return this.nameAt(recordDataStart(this.reply.ttlOffsets[index] as number));
  }
}

/** A record of a reply: modelled, or kept as raw data (types the codec does not model). */
export type ReplyRecord = ResourceRecord | UnknownRecord;

export interface ReplyRecords {
  readonly answer: readonly ReplyRecord[];
  readonly authority: readonly ReplyRecord[];
  readonly additional: readonly ReplyRecord[];
}

export function isUnknownRecord(record: ReplyRecord): record is UnknownRecord {
  return 'data' in record;
}

/**
 * The records of `reply`, decoded against the question it was compressed for: its own `qname`,
 * or `askedName` (the name the reply answered) when it points nowhere into the question.
 * An OPT record, if a handler left one in the body, is dropped: the server writes its own.
 */
export function readReplyRecords(reply: Reply, askedName: DomainName): ReplyRecords {
  const question = encodeName(reply.qname ?? askedName);
  const message = Buffer.allocUnsafe(HEADER_LENGTH + question.length + 4 + reply.body.length);
  message.writeUInt16BE(0, 0);
  message.writeUInt16BE(HeaderFlag.QR, 2);
  message.writeUInt16BE(1, 4);
  message.writeUInt16BE(reply.answerCount, 6);
  message.writeUInt16BE(reply.authorityCount, 8);
  message.writeUInt16BE(reply.additionalCount, 10);
  question.copy(message, HEADER_LENGTH);
  // Type and class of the question do not matter to the records: A IN.
  message.writeUInt32BE(0x00010001, HEADER_LENGTH + question.length);
  reply.body.copy(message, HEADER_LENGTH + question.length + 4);
  const decoded = decodeMessage(message);
  return {
    answer: withoutOpt(decoded.answer),
    authority: withoutOpt(decoded.authority),
    additional: withoutOpt(decoded.additional),
  };
}

function withoutOpt(records: readonly DecodedRecord[]): ReplyRecord[] {
  const kept: ReplyRecord[] = [];
  for (const record of records) if (record.type !== RRType.OPT) kept.push(record as ReplyRecord);
  return kept;
}
