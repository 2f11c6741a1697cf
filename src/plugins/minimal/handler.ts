import { RCode, RRType } from '../../dns/constants.ts';
import { recordEnd } from '../../dns/reply-records.ts';
import type { Reply } from '../../dns/types.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';

/** The answer section alone, as views on the reply's body: later sections never hold what an answer points to. */
function answerOnly(reply: Reply): Reply {
  const answers = reply.answerCount;
  const end = recordEnd(reply.body, reply.ttlOffsets[answers - 1]!);
  return {
    ...reply,
    body: reply.body.subarray(0, end),
    authorityCount: 0,
    additionalCount: 0,
    ttlOffsets: reply.ttlOffsets.subarray(0, answers),
  };
}

/**
 * CoreDNS's minimal: a successful answer (NOERROR with records in the answer section) goes out
 * without its authority and additional sections; denials, errors, delegations and transfers go out
 * whole. Replies are shared and long-lived, so the minimal form of each is made once.
 */
export function minimalHandler(): HandlerFactory {
  const minimized = new WeakMap<Reply, Reply>();
  const minimize = (request: Request, reply: Reply): Reply => {
    const { type } = request.query;
    if (reply.rcode !== RCode.NOERROR || reply.answerCount === 0 || reply.authorityCount + reply.additionalCount === 0) return reply;
    if (type === RRType.AXFR || type === RRType.IXFR || reply.ttlOffsets.length < reply.answerCount) return reply;
    let small = minimized.get(reply);
    if (small === undefined) {
      small = answerOnly(reply);
      minimized.set(reply, small);
    }
    return small;
  };
  return (next: Handler): Handler =>
    (request) => {
      const result = next(request);
      return isPromiseLike(result) ? Promise.resolve(result).then((reply) => minimize(request, reply)) : minimize(request, result);
    };
}
