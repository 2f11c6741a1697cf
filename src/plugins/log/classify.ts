import { RCode, RRType } from '../../dns/constants.ts';
import { recordType } from '../../dns/reply-records.ts';
import type { Query, Reply } from '../../dns/types.ts';

/** CoreDNS's response.Type names, as `{/log/type}` prints them. */
export type ResponseType = 'NOERROR' | 'NXDOMAIN' | 'SERVERERROR' | 'NODATA' | 'DELEGATION' | 'META' | 'OTHERERROR';
/** The classes `log { class ... }` selects on; `all` selects every response. */
export type ResponseClass = 'success' | 'denial' | 'error';
export const LOG_CLASSES = ['all', 'success', 'denial', 'error'] as const;
export type LogClass = (typeof LOG_CLASSES)[number];

/** Whether the authority section holds an SOA, and how many NS records, by the types beside their TTLs. */
function authoritySummary(reply: Reply): { soa: boolean; ns: number } {
  const { body, ttlOffsets, answerCount, authorityCount } = reply;
  let soa = false;
  let ns = 0;
  for (let i = answerCount; i < answerCount + authorityCount; i++) {
    const type = recordType(body, ttlOffsets[i] as number);
    if (type === RRType.SOA) soa = true;
    else if (type === RRType.NS) ns++;
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
