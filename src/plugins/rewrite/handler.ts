import { toFqdn } from '../../dns/names.ts';
import { withQuestion } from '../../dns/question.ts';
import { readReplyRecords } from '../../dns/reply-records.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { Reply } from '../../dns/types.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import { withQuery } from '../../toolkit/request.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import { fromFqdn, isValidName, rewriteRecords, type ResponseRule } from './response.ts';
import type { Question, Rule } from './rules.ts';

/** A rule rewrote the question into something that is not a domain name: the query fails (SERVFAIL). */
export class InvalidRewriteError extends Error {
  readonly rewritten: string;
  constructor(rewritten: string) {
    super(`invalid name after rewrite: ${rewritten}`);
    this.name = 'InvalidRewriteError';
    this.rewritten = rewritten;
  }
}

/**
 * CoreDNS's rewrite: the rules run in order over the question until a `stop` rule matches; the
 * rest of the chain sees the rewritten question, and the client gets its own question back with
 * the response rules of every matched rule applied to the records.
 */
export function createRewriteHandler(rules: readonly Rule[]): HandlerFactory {
  return (next: Handler): Handler =>
    (request: Request) => {
      const { query } = request;
      const question: Question = { name: toFqdn(query.name), type: query.type, class: query.class };
      let matched = false;
      let responseRules: ResponseRule[] | null = null;
      for (const rule of rules) {
        const applied = rule.apply(question);
        if (applied === null) continue;
        if (!isValidName(question.name)) throw new InvalidRewriteError(question.name);
        matched = true;
        if (applied.length > 0) (responseRules ??= []).push(...applied);
        if (rule.mode === 'stop') break;
      }
      if (!matched) return next(request);

      const name = fromFqdn(question.name);
      const renamed = name !== query.name;
      const unchanged = !renamed && question.type === query.type && question.class === query.class;
      const result = next(unchanged ? request : withQuery(request, withQuestion(query, name, question.type, question.class)));
      if (!renamed && responseRules === null) return result;
      const revert = (reply: Reply): Reply => {
        const records = readReplyRecords(reply, name);
        return prepareReply({
          rcode: reply.rcode,
          flags: reply.flags,
          qname: query.name,
          sections: responseRules === null ? records : rewriteRecords(records, responseRules),
        });
      };
      return isPromiseLike(result) ? Promise.resolve(result).then(revert) : revert(result);
    };
}
