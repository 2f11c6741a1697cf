import { HEADER_LENGTH } from './constants.ts';
import { encodeName } from './names.ts';
import type { DomainName, Query } from './types.ts';

/**
 * `query` asking another question. The raw message is rebuilt around the new question (header
 * and the records after the question kept), because a handler such as forward sends the raw
 * bytes on; every parsed field then agrees with them.
 */
export function withQuestion(query: Query, name: DomainName, type: number, qclass: number): Query {
  const wireName = encodeName(name);
  const tail = query.raw.subarray(query.questionEnd);
  const questionEnd = HEADER_LENGTH + wireName.length + 4;
  const raw = Buffer.allocUnsafe(questionEnd + tail.length);
  query.raw.copy(raw, 0, 0, HEADER_LENGTH);
  wireName.copy(raw, HEADER_LENGTH);
  raw.writeUInt16BE(type, questionEnd - 4);
  raw.writeUInt16BE(qclass, questionEnd - 2);
  tail.copy(raw, questionEnd);
  return { ...query, name, type, class: qclass, raw, questionEnd };
}
