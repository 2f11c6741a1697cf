import type { Reply } from '../../dns/types.ts';
import { failureRcode, PluginError } from '../../toolkit/errors.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import { withQuery } from '../../toolkit/request.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import { InvalidRewriteError } from './errors.ts';
import { isValidName, type ResponseRule } from './response.ts';
import { rcodeWithoutRecords, PatchMemo, revert, type Reverting } from './reverter.ts';
import type { Rule } from './rules.ts';
import { RewriteState } from './state.ts';

/**
 * A failure of the rest of the chain, answered as CoreDNS's rewrite writes it: its RCODE as a
 * response without records, through the rules, so `rcode` rules apply (SERVFAIL to NXDOMAIN). The
 * error goes on to `errors` with the RCODE the client gets.
 */
function failed(error: unknown, rules: readonly ResponseRule[]): never {
  const rcode = failureRcode(error);
  const rewritten = rcodeWithoutRecords(rcode, rules);
  if (rewritten === rcode) throw error;
  const plugin = error instanceof PluginError ? error.plugin : 'rewrite';
  throw new PluginError(plugin, rewritten, error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * CoreDNS's rewrite: the rules run in order over the query until a `stop` rule matches; the rest
 * of the chain sees the rewritten question and EDNS options, and the client gets its own question
 * back with the response rules of every matched rule applied to the reply (reverter.ts).
 */
export function createRewriteHandler(rules: readonly Rule[]): HandlerFactory {
  const memo = new PatchMemo();
  return (next: Handler): Handler =>
    (request: Request) => {
      const state = new RewriteState(request);
      let matched = false;
      let responseRules: ResponseRule[] | null = null;
      for (const rule of rules) {
        const applied = rule.apply(state);
        if (applied === null) continue;
        if (!isValidName(state.question.name)) throw new InvalidRewriteError(state.question.name);
        matched = true;
        if (applied.length > 0) (responseRules ??= []).push(...applied);
        if (rule.mode === 'stop') break;
      }
      if (!matched) return next(request);

      const { query } = request;
      const rewritten = state.rewrittenQuery();
      const onward = rewritten === query ? request : withQuery(request, rewritten);
      if (rewritten.name === query.name && responseRules === null) return next(onward);
      const collected = responseRules ?? [];
      const reverting: Reverting = { asked: query.name, served: rewritten.name, rules: collected, memo, next, onward };
      let result: Reply | Promise<Reply>;
      try {
        result = next(onward);
      } catch (error) {
        failed(error, collected);
      }
      if (isPromiseLike(result)) {
        return Promise.resolve(result).then(
          (reply) => revert(reply, reverting),
          (error: unknown) => failed(error, collected),
        );
      }
      return revert(result, reverting);
    };
}
