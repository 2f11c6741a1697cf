import { RCode, RRClass, RRType } from '../../dns/constants.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { Reply } from '../../dns/types.ts';
import type { Handler, HandlerFactory } from '../../toolkit/types.ts';

/** CoreDNS's RFC 8482 answer: one HINFO record, with the RFC's number as its TTL. */
const HINFO_TTL = 8482;
const CPU = 'ANY obsoleted';
const OS = 'See RFC 8482';

/** The minimal answer to an ANY query for `name`, as CoreDNS's any plugin writes it (not authoritative). */
export function anyReply(name: string): Reply {
  return prepareReply({
    rcode: RCode.NOERROR,
    flags: 0,
    qname: name,
    sections: {
      answer: [{ name, type: RRType.HINFO, class: RRClass.IN, ttl: HINFO_TTL, cpu: CPU, os: OS }],
      authority: [],
      additional: [],
    },
  });
}

/** Answers ANY queries (RFC 8482) and passes every other query on. */
export const anyHandler: HandlerFactory = (next: Handler): Handler => (request) =>
  request.query.type === RRType.ANY ? anyReply(request.query.name) : next(request);
