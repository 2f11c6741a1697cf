import { RCode } from '../../dns/constants.ts';
import type { Reply } from '../../dns/types.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import { observeResponse, type ResponseObserver } from '../../toolkit/request.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import type { ExpansionTest } from './expansion.ts';
import type { ClientTracker } from './tracker.ts';

/** Counts a response's NXDOMAIN and search-path expansion for its client. */
class ResponseCounter implements ResponseObserver {
  readonly plugin = 'top';
  readonly #tracker: ClientTracker;
  readonly #isExpansion: ExpansionTest;

  constructor(tracker: ClientTracker, isExpansion: ExpansionTest) {
    this.#tracker = tracker;
    this.#isExpansion = isExpansion;
  }

  responded(request: Request, reply: Reply): void {
    this.count(request, reply);
  }

  count(request: Request, reply: Reply): void {
    if (reply.rcode !== RCode.NXDOMAIN) return;
    this.#tracker.nxdomain.offer(request.remoteAddress);
    if (this.#isExpansion(request.query.name)) this.#tracker.expansions.offer(request.remoteAddress);
  }
}

/**
 * Counts each query for its client, then its response. A reply the chain returns at once is read
 * here; only a promised one is watched through observeResponse, as that costs the request an
 * observer list: the common synchronous answer allocates nothing.
 */
export function topHandler(tracker: ClientTracker, isExpansion: ExpansionTest): HandlerFactory {
  const counter = new ResponseCounter(tracker, isExpansion);
  return (next: Handler): Handler =>
    (request) => {
      tracker.queries.offer(request.remoteAddress);
      const result = next(request);
      if (isPromiseLike(result)) observeResponse(request, counter);
      else counter.count(request, result);
      return result;
    };
}
