import { RCode } from '../../dns/constants.ts';
import { isSubdomain } from '../../dns/names.ts';
import { withQuestion } from '../../dns/question.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import type { CounterCell } from '../../metrics/families.ts';
import { counter } from '../../metrics/registry.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import { withQuery } from '../../toolkit/request.ts';
import type { SearchPath } from '../../toolkit/offers.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { cnamed } from './cname.ts';

/** The search path for a request, ending with '' (the bare name); null or empty leaves the query alone. */
export type SearchPathFor = (request: Request) => SearchPath | Promise<SearchPath>;

const successes = counter({
  name: 'coredns_autopath_success_total',
  help: 'Counter of requests that did autopath.',
  labelNames: ['server'],
});
const successCells = new Map<string, CounterCell>();

function countSuccess(server: string): void {
  let cell = successCells.get(server);
  if (cell === undefined) successCells.set(server, (cell = successes.cell(server)));
  cell.inc();
}

/** The query is the first search domain itself: CoreDNS's TrimZone overshoots and the query fails. */
export class AutoPathTrimError extends Error {
  readonly qname: DomainName;
  readonly zone: DomainName;
  constructor(qname: DomainName, zone: DomainName) {
    super(`trimzone: overshot qname: ${qname}. for zone ${zone}.`);
    this.name = 'AutoPathTrimError';
    this.qname = qname;
    this.zone = zone;
  }
}

/** What the name was before the client appended `domain`. */
function trimDomain(name: DomainName, domain: DomainName): DomainName {
  if (domain === '') {
    if (name === '') throw new AutoPathTrimError(name, domain);
    return name;
  }
  if (name.length <= domain.length) throw new AutoPathTrimError(name, domain);
  return name.slice(0, name.length - domain.length - 1);
}

/** plugin.ClientWrite: these rcodes mean the handler wrote nothing in CoreDNS, so the walk goes on. */
function written(rcode: number): boolean {
  return rcode !== RCode.SERVFAIL && rcode !== RCode.REFUSED && rcode !== RCode.FORMERR && rcode !== RCode.NOTIMP;
}

/**
 * CoreDNS's autopath: a query in `zones` whose name sits under the first domain of the client's
 * search path is asked again with each domain of the path (the name the client started from,
 * with each suffix, and finally bare) through the rest of the chain, in one round trip. The first
 * reply that is not NXDOMAIN wins and gets a CNAME from the asked name in front; when every one
 * is NXDOMAIN (or failed), the first reply is the answer.
 */
export function createAutoPathHandler(zones: readonly DomainName[], searchPathFor: SearchPathFor): HandlerFactory {
  return (next: Handler): Handler =>
    (request: Request) => {
      const { query } = request;
      const original = query.name;
      if (matchZone(zones, original) === null) return next(request);
      const path = searchPathFor(request);
      if (path !== null && isPromiseLike(path)) return Promise.resolve(path).then((search) => completeWith(request, next, search));
      return completeWith(request, next, path);
    };
}

/** The walk over `search` (the client's path), or the query as it came without one. */
function completeWith(request: Request, next: Handler, search: SearchPath): Reply | Promise<Reply> {
  const { query } = request;
  const original = query.name;
  if (search === null || search.length === 0 || !isSubdomain(original, search[0]!)) return next(request);
  const base = trimDomain(original, search[0]!);
  let first: Reply | null = null;

  /** The answer when this try ends the walk, else null. */
  const settle = (index: number, asked: DomainName, reply: Reply): Reply | null => {
    if (index === 0) first = reply;
    if (!written(reply.rcode) || reply.rcode === RCode.NXDOMAIN) return null;
    countSuccess(request.server);
    return cnamed(reply, asked, original);
  };
  const walk = (from: number): Reply | Promise<Reply> => {
    for (let index = from; index < search.length; index++) {
      const domain = search[index]!;
      const asked = domain === '' ? base : `${base}.${domain}`;
      const result = next(asked === original ? request : withQuery(request, withQuestion(query, asked, query.type, query.class)));
      if (isPromiseLike(result)) return Promise.resolve(result).then((reply) => settle(index, asked, reply) ?? walk(index + 1));
      const done = settle(index, asked, result);
      if (done !== null) return done;
    }
    return first as Reply;
  };
  return walk(0);
}
