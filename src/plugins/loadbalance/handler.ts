import type { Query, Reply } from '../../dns/types.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import type { HandlerFactory } from '../../toolkit/types.ts';

/** A policy: the reply in the order to send it, never the reply changed in place (replies are shared). */
export interface ReplyBalancer {
  balance(query: Query, reply: Reply): Reply;
}

/** Reorders the replies the rest of the chain returns; loadbalance never answers by itself. */
export function loadbalanceHandler(balancer: ReplyBalancer): HandlerFactory {
  return (next) => (request) => {
    const result = next(request);
    if (isPromiseLike(result)) return Promise.resolve(result).then((reply) => balancer.balance(request.query, reply));
    return balancer.balance(request.query, result);
  };
}
