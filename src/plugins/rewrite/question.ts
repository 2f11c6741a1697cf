import { HEADER_LENGTH } from '../../dns/constants.ts';
import { encodeName } from '../../dns/names.ts';
import type { DomainName, Query } from '../../dns/types.ts';
import type { Request } from '../../toolkit/types.ts';


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

/**
 * The request as the rest of the chain should see it: same client and listener, another query.
 * It is a plain object, so `observeResponse` from a later plugin does not reach the server.
 */
export function withQuery(request: Request, query: Query): Request {
  return {
    query,
    transport: request.transport,
    remoteAddress: request.remoteAddress,
    remotePort: request.remotePort,
    localAddress: request.localAddress,
    localPort: request.localPort,
    server: request.server,
    zone: request.zone,
  };
}
