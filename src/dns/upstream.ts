import { HeaderFlag } from './constants.ts';
import { DnsParseError } from './errors.ts';
import type { DecodedMessage } from './message.ts';
import type { Reply } from './types.ts';

/** Header bits an upstream answer passes on to the client. */
const PASSED_FLAGS = HeaderFlag.AA | HeaderFlag.TC | HeaderFlag.RA | HeaderFlag.AD;

/**
 * A Reply made of an upstream message's own record bytes (for forward and cache): nothing is
 * re-encoded, so records of any type pass through intact. Its compression pointers stay valid
 * because the body keeps its offset: the upstream's question comes first, and encodeResponse
 * checks that the client's question has the same length. The OPT record is cut out; it must
 * be the last record (anything after it would have its pointers shifted). `decoded` is
 * decodeMessage(buf).
 */
export function replyFromMessage(buf: Buffer, decoded: DecodedMessage): Reply {
  const question = decoded.questions[0];
  if (decoded.questions.length !== 1 || question === undefined) {
    throw new DnsParseError(`upstream answer has ${decoded.questions.length} questions`, 4);
  }
  const bodyStart = decoded.sections.answer;
  let bodyEnd = buf.length;
  const optRange = decoded.optRange;
  if (optRange !== null) {
    if (optRange.offset + optRange.length !== buf.length) throw new DnsParseError('OPT record is not the last record', optRange.offset);
    bodyEnd = optRange.offset;
  }
  const ttlOffsets = decoded.ttlOffsets.map((offset) => offset - bodyStart);
  let minTtl: number | null = null;
  for (const record of [...decoded.answer, ...decoded.authority]) {
    if ('ttl' in record && (minTtl === null || record.ttl < minTtl)) minTtl = record.ttl;
  }
  return {
    rcode: decoded.rcode,
    flags: decoded.flags & PASSED_FLAGS,
    qname: question.name,
    body: Buffer.from(buf.subarray(bodyStart, bodyEnd)),
    answerCount: decoded.answer.length,
    authorityCount: decoded.authority.length,
    additionalCount: decoded.additional.length - (decoded.opt === null ? 0 : 1),
    ttlOffsets,
    minTtl,
  };
}
