import { HeaderFlag } from '../../dns/constants.ts';
import type { Query, Reply } from '../../dns/types.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import { withQuery } from '../../toolkit/request.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import type { FlagName, FlagRule, HeaderRules } from './parse.ts';

const FLAG_BITS: Readonly<Record<FlagName, number>> = { aa: HeaderFlag.AA, ra: HeaderFlag.RA, rd: HeaderFlag.RD };

/** The bits a list of rules leaves set and cleared: the last rule about a flag decides it. */
interface FlagEdit {
  readonly set: number;
  readonly clear: number;
}

function compileRules(rules: readonly FlagRule[]): FlagEdit {
  let set = 0;
  let clear = 0;
  for (const { flag, set: on } of rules) {
    const bit = FLAG_BITS[flag];
    set = on ? set | bit : set & ~bit;
    clear = on ? clear & ~bit : clear | bit;
  }
  return { set, clear };
}

/**
 * The RD bit responses get, when the rules decide it: a response rule, else a query rule (in
 * CoreDNS the answering plugin copies RD from the query the rule changed); undefined to echo the
 * query's.
 */
function decidedRecursionDesired(query: FlagEdit, response: FlagEdit): boolean | undefined {
  const rd = HeaderFlag.RD;
  if (((response.set | response.clear) & rd) !== 0) return (response.set & rd) !== 0;
  if (((query.set | query.clear) & rd) !== 0) return (query.set & rd) !== 0;
  return undefined;
}

/** The query with its flags edited, raw bytes included (forward sends them on); itself when nothing changes. */
function editQuery(query: Query, edit: FlagEdit): Query {
  const flags = (query.flags & ~edit.clear) | edit.set;
  if (flags === query.flags) return query;
  const raw = Buffer.from(query.raw);
  raw.writeUInt16BE(flags, 2);
  return { ...query, flags, recursionDesired: (flags & HeaderFlag.RD) !== 0, raw };
}

/**
 * CoreDNS's header: query rules change the query's flags for the rest of the chain; response
 * rules change AA, RA and RD of whatever reply comes back. Replies are shared, so each edited
 * reply is made once and kept beside the original.
 */
export function headerHandler(rules: HeaderRules): HandlerFactory {
  const queryEdit = compileRules(rules.query);
  const responseEdit = compileRules(rules.response);
  const recursionDesired = decidedRecursionDesired(queryEdit, responseEdit);
  const setFlags = responseEdit.set & ~HeaderFlag.RD;
  const clearFlags = responseEdit.clear & ~HeaderFlag.RD;
  const editsQueries = rules.query.length > 0;
  const editsReplies = setFlags !== 0 || clearFlags !== 0 || recursionDesired !== undefined;
  const edited = new WeakMap<Reply, Reply>();

  const editReply = (reply: Reply): Reply => {
    let copy = edited.get(reply);
    if (copy === undefined) {
      const flags = (reply.flags & ~clearFlags) | setFlags;
      const followedBy = reply.followedBy?.map(editReply);
      copy = {
        ...reply,
        flags,
        ...(recursionDesired === undefined ? {} : { recursionDesired }),
        ...(followedBy === undefined ? {} : { followedBy }),
      };
      edited.set(reply, copy);
    }
    return copy;
  };

  return (next: Handler): Handler =>
    (request: Request) => {
      let passed = request;
      if (editsQueries) {
        const query = editQuery(request.query, queryEdit);
        if (query !== request.query) passed = withQuery(request, query);
      }
      const result = next(passed);
      if (!editsReplies) return result;
      return isPromiseLike(result) ? Promise.resolve(result).then(editReply) : editReply(result);
    };
}
