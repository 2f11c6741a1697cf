import { HEADER_LENGTH, HeaderFlag, RRType } from '../../dns/constants.ts';
import { DnsParseError } from '../../dns/errors.ts';
import { decodeMessage, type DecodedRecord } from '../../dns/message.ts';
import { decodeName, decoded, skipName } from '../../dns/name-codec.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { Query, Reply, ResourceRecord } from '../../dns/types.ts';

/** What an upstream's answer means for the query it answers. */
export type UpstreamAnswer =
  /** The reply to relay; `truncated` when the upstream set TC. */
  | { readonly kind: 'reply'; readonly reply: Reply; readonly truncated: boolean }
  /** Not a response to this question (CoreDNS's request.Match failed): the client gets FORMERR. */
  | { readonly kind: 'mismatch'; readonly rcode: number };

const FIXED_LENGTH = 10;
/** What a relayed header keeps from the upstream besides the RCODE: AA, TC, RA, Z, AD. */
const RELAYED_FLAGS = HeaderFlag.AA | HeaderFlag.TC | HeaderFlag.RA | 0x0040 | HeaderFlag.AD;

/** TTL offsets of the reply being read; grown when a reply has more records. */
let ttlScratch = new Uint32Array(256);

function pushTtlOffset(count: number, offset: number): void {
  if (count === ttlScratch.length) {
    const grown = new Uint32Array(ttlScratch.length * 2);
    grown.set(ttlScratch);
    ttlScratch = grown;
  }
  ttlScratch[count] = offset;
}

/**
 * Turns an upstream's response into a Reply for `query` without re-encoding it: the body is the
 * upstream's bytes after the question (its OPT record cut out: the server writes its own), so
 * compression pointers keep their targets, the question being the same length as the query's.
 * Throws DnsParseError on a malformed message.
 */
export function readUpstreamReply(wire: Buffer, query: Query): UpstreamAnswer {
  if (wire.length < HEADER_LENGTH) throw new DnsParseError('message shorter than a header', wire.length);
  const flags = wire.readUInt16BE(2);
  const headerRcode = flags & 0xf;
  if ((flags & HeaderFlag.QR) === 0 || wire.readUInt16BE(4) !== 1) return { kind: 'mismatch', rcode: headerRcode };
  const name = decodeName(wire, HEADER_LENGTH, true);
  const questionEnd = decoded.end + 4;
  if (questionEnd > wire.length) throw new DnsParseError('question truncated', decoded.end);
  const type = wire.readUInt16BE(questionEnd - 4);
  const qclass = wire.readUInt16BE(questionEnd - 2);
  if (name !== query.name || type !== query.type || qclass !== query.class) return { kind: 'mismatch', rcode: headerRcode };
  // The relayed body's pointers assume the question the client sent, byte for byte as long.
  if (questionEnd !== query.questionEnd) throw new DnsParseError('question name compressed', HEADER_LENGTH);

  const answers = wire.readUInt16BE(6);
  const authorities = wire.readUInt16BE(8);
  const total = answers + authorities + wire.readUInt16BE(10);
  let pos = questionEnd;
  let optStart = -1;
  let optEnd = -1;
  let extendedRcode = 0;
  let ttlCount = 0;
  let minTtl: number | null = null;
  for (let i = 0; i < total; i++) {
    const start = pos;
    const fixed = skipName(wire, pos);
    if (fixed + FIXED_LENGTH > wire.length) throw new DnsParseError('record header truncated', fixed);
    const end = fixed + FIXED_LENGTH + wire.readUInt16BE(fixed + 8);
    if (end > wire.length) throw new DnsParseError('record data truncated', fixed);
    if (wire.readUInt16BE(fixed) === RRType.OPT && i >= answers + authorities) {
      if (optStart >= 0) throw new DnsParseError('second OPT record', start);
      optStart = start;
      optEnd = end;
      extendedRcode = wire[fixed + 4] as number;
    } else {
      pushTtlOffset(ttlCount++, fixed + 4 - questionEnd);
      if (i < answers + authorities) {
        const ttl = wire.readUInt32BE(fixed + 4);
        if (minTtl === null || ttl < minTtl) minTtl = ttl;
      }
    }
    pos = end;
  }
  // Bytes past the last record are dropped, as miekg/dns ignores them.
  const rcode = headerRcode | (extendedRcode << 4);
  const truncated = (flags & HeaderFlag.TC) !== 0;
  const replyFlags = flags & RELAYED_FLAGS;
  if (optStart >= 0 && optEnd !== pos) {
    return { kind: 'reply', reply: reencode(wire, query, rcode, replyFlags), truncated };
  }
  const bodyEnd = optStart >= 0 ? optStart : pos;
  return {
    kind: 'reply',
    reply: {
      rcode,
      flags: replyFlags,
      qname: query.name,
      body: wire.subarray(questionEnd, bodyEnd),
      answerCount: answers,
      authorityCount: authorities,
      additionalCount: total - answers - authorities - (optStart >= 0 ? 1 : 0),
      ttlOffsets: ttlScratch.slice(0, ttlCount),
      minTtl,
    },
    truncated,
  };
}

function isModeled(record: DecodedRecord): record is ResourceRecord {
  return record.type !== RRType.OPT && !('data' in record);
}

/**
 * An OPT record followed by other records cannot simply be cut out: later names may point past
 * it. Such replies are decoded and encoded anew, which needs every record to be of a type the
 * encoder models.
 */
function reencode(wire: Buffer, query: Query, rcode: number, flags: number): Reply {
  const message = decodeMessage(wire);
  const additional = message.additional.filter((record) => record.type !== RRType.OPT);
  const sections = { answer: message.answer, authority: message.authority, additional };
  if (!sections.answer.every(isModeled) || !sections.authority.every(isModeled) || !additional.every(isModeled)) {
    throw new DnsParseError('OPT record before records of a type clusterdns cannot re-encode', HEADER_LENGTH);
  }
  return prepareReply({
    rcode,
    flags,
    qname: query.name,
    sections: {
      answer: sections.answer as ResourceRecord[],
      authority: sections.authority as ResourceRecord[],
      additional: additional as ResourceRecord[],
    },
  });
}
