import { encodeOption } from '../../dns/opt.ts';
import type { Reply } from '../../dns/types.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import type { Handler, HandlerFactory } from '../../toolkit/types.ts';
import { hasEdnsOption } from './asked.ts';

/** RFC 5001's option code. */
export const NSID_OPTION = 3;

/**
 * CoreDNS's nsid: a query whose OPT record asks for NSID (RFC 5001) gets its response with an NSID
 * option holding `data`, after any other option. Replies are shared, so each is copied with the
 * option once; queries that do not ask pass through untouched.
 */
export function nsidHandler(data: string): HandlerFactory {
  const option = encodeOption(NSID_OPTION, Buffer.from(data, 'utf8'));
  const identified = new WeakMap<Reply, Reply>();

  const identify = (reply: Reply): Reply => {
    let copy = identified.get(reply);
    if (copy === undefined) {
      const ednsOptions = reply.ednsOptions === undefined ? option : Buffer.concat([reply.ednsOptions, option]);
      const followedBy = reply.followedBy?.map(identify);
      copy = { ...reply, ednsOptions, ...(followedBy === undefined ? {} : { followedBy }) };
      identified.set(reply, copy);
    }
    return copy;
  };

  return (next: Handler): Handler =>
    (request) => {
      if (!hasEdnsOption(request.query, NSID_OPTION)) return next(request);
      const result = next(request);
      return isPromiseLike(result) ? Promise.resolve(result).then(identify) : identify(result);
    };
}
