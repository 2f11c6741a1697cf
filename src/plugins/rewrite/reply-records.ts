import { HeaderFlag, RRType } from '../../dns/constants.ts';
import { decodeMessage, type DecodedRecord, type UnknownRecord } from '../../dns/message.ts';
import { encodeName } from '../../dns/names.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply, ResourceRecord } from '../../dns/types.ts';

/*
 * A Reply is built for one question name: its body's compression pointers lead into that
 * question. Plugins that answer a question other than the one they passed on (rewrite restores
 * the client's name, autopath answers for the name it was asked) must take the records out and
 * encode them again for the client's question.
 */

/** A record of a reply: modelled, or kept as raw data (types the codec does not model). */
export type ReplyRecord = ResourceRecord | UnknownRecord;

export interface ReplyRecords {
  readonly answer: ReplyRecord[];
  readonly authority: ReplyRecord[];
  readonly additional: ReplyRecord[];
}

const HEADER_LENGTH = 12;

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

export function isUnknownRecord(record: ReplyRecord): record is UnknownRecord {
  return 'data' in record;
}

export interface ReplyInit {
  readonly rcode: number;
  readonly flags: number;
  /** The question the reply is for: names are compressed against it. */
  readonly qname: DomainName;
  readonly records: ReplyRecords;
}

/**
 * Encodes records into a Reply for `qname`. Raw records are copied as they came (RFC 3597 says
 * their data holds no compression pointers); when there are any, nothing is compressed, since
 * prepareReply cannot interleave them with the records it compresses.
 */
export function writeReply(init: ReplyInit): Reply {
  const { rcode, flags, qname, records } = init;
  const { answer, authority, additional } = records;
  if (!answer.some(isUnknownRecord) && !authority.some(isUnknownRecord) && !additional.some(isUnknownRecord)) {
    return prepareReply({
      rcode,
      flags,
      qname,
      sections: {
        answer: answer as ResourceRecord[],
        authority: authority as ResourceRecord[],
        additional: additional as ResourceRecord[],
      },
    });
  }
  return concatenateUncompressed(rcode, flags, records);
}

function concatenateUncompressed(rcode: number, flags: number, records: ReplyRecords): Reply {
  const pieces: Buffer[] = [];
  const ttlOffsets: number[] = [];
  let length = 0;
  let minTtl: number | null = null;
  const add = (record: ReplyRecord, counted: boolean): void => {
    const { bytes, ttlAt } = encodeRecordAlone(record);
    ttlOffsets.push(length + ttlAt);
    pieces.push(bytes);
    length += bytes.length;
    if (counted && (minTtl === null || record.ttl < minTtl)) minTtl = record.ttl;
  };
  for (const record of records.answer) add(record, true);
  for (const record of records.authority) add(record, true);
  for (const record of records.additional) add(record, false);
  return {
    rcode,
    flags,
    qname: null,
    body: Buffer.concat(pieces, length),
    answerCount: records.answer.length,
    authorityCount: records.authority.length,
    additionalCount: records.additional.length,
    ttlOffsets: Uint32Array.from(ttlOffsets),
    minTtl,
  };
}

/** One record with no compression at all, and where its TTL sits. */
function encodeRecordAlone(record: ReplyRecord): { bytes: Buffer; ttlAt: number } {
  if (!isUnknownRecord(record)) {
    const alone = prepareReply({ rcode: 0, flags: 0, qname: null, sections: { answer: [record], authority: [], additional: [] } });
    return { bytes: alone.body, ttlAt: alone.ttlOffsets[0] as number };
  }
  const owner = encodeName(record.name);
  const bytes = Buffer.allocUnsafe(owner.length + 10 + record.data.length);
  owner.copy(bytes, 0);
  bytes.writeUInt16BE(record.type, owner.length);
  bytes.writeUInt16BE(record.class, owner.length + 2);
  bytes.writeUInt32BE(record.ttl, owner.length + 4);
  bytes.writeUInt16BE(record.data.length, owner.length + 8);
  record.data.copy(bytes, owner.length + 10);
  return { bytes, ttlAt: owner.length + 4 };
}
