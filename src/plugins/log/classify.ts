import { RCode, RRType } from '../../dns/constants.ts';
import type { Query, Reply } from '../../dns/types.ts';

/** CoreDNS's response.Type names, as `{/log/type}` prints them. */
export type ResponseType = 'NOERROR' | 'NXDOMAIN' | 'SERVERERROR' | 'NODATA' | 'DELEGATION' | 'META' | 'OTHERERROR';
/** The classes `log { class ... }` selects on; `all` selects every response. */
export type ResponseClass = 'success' | 'denial' | 'error';
export const LOG_CLASSES = ['all', 'success', 'denial', 'error'] as const;
export type LogClass = (typeof LOG_CLASSES)[number];

/** Moves past a name in an encoded body: labels until the root, or a compression pointer. */
function skipName(body: Buffer, offset: number): number {
  while (offset < body.length) {
    const length = body[offset]!;
    if (length === 0) return offset + 1;
    if ((length & 0xc0) === 0xc0) return offset + 2;
    offset += length + 1;
  }
  return offset;
}

/** Whether the authority section holds an SOA, and how many NS records. */
function authoritySummary(reply: Reply): { soa: boolean; ns: number } {
  const body = reply.body;
  let offset = 0;
  for (let i = 0; i < reply.answerCount; i++) {
    offset = skipName(body, offset);
    offset += 10 + body.readUInt16BE(offset + 8);
  }
  let soa = false;
  let ns = 0;
  for (let i = 0; i < reply.authorityCount; i++) {
    offset = skipName(body, offset);
    const type = body.readUInt16BE(offset);
    if (type === RRType.SOA) soa = true;
    else if (type === RRType.NS) ns++;
    offset += 10 + body.readUInt16BE(offset + 8);
  }
  return { soa, ns };
}

/** CoreDNS's response.Typify for what this server answers (queries only, no DNSSEC validation). */
export function typify(query: Query, reply: Reply): ResponseType {
  if (query.type === RRType.AXFR || query.type === RRType.IXFR) return 'META';
  const { rcode } = reply;
  if (reply.answerCount > 0 && rcode === RCode.NOERROR) return 'NOERROR';
  if (reply.answerCount > 0 && rcode === RCode.NXDOMAIN) return 'OTHERERROR';
  const { soa, ns } = authoritySummary(reply);
  if (soa && rcode === RCode.NOERROR) return 'NODATA';
  if (rcode === RCode.NXDOMAIN) return 'NXDOMAIN';
  if (rcode === RCode.SERVFAIL || rcode === RCode.NOTIMP) return 'SERVERERROR';
  if (ns > 0 && rcode === RCode.NOERROR) return 'DELEGATION';
  if (rcode === RCode.NOERROR) return 'NOERROR';
  return 'OTHERERROR';
}

export function classify(type: ResponseType): ResponseClass {
  if (type === 'NOERROR' || type === 'DELEGATION') return 'success';
  if (type === 'NXDOMAIN' || type === 'NODATA') return 'denial';
  return 'error';
}
