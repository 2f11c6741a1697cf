import { isPromiseLike } from '../../toolkit/promise.ts';
import type { HandlerFactory } from '../../toolkit/types.ts';
import type { Balancer } from './balance.ts';

/** Reorders the replies the rest of the chain returns; loadbalance never answers by itself. */
export function loadbalanceHandler(balancer: Balancer): HandlerFactory {
  return (next) => (request) => {
    const result = next(request);
    if (isPromiseLike(result)) return Promise.resolve(result).then((reply) => balancer.balance(request.query, reply));
    return balancer.balance(request.query, result);
  };
}
