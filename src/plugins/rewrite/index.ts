import type { PluginDefinition } from '../../toolkit/types.ts';
import { createRewriteHandler } from './handler.ts';
import { parseRewrite } from './parse.ts';
import type { Rule } from './rules.ts';

/** Where the rules of a block's `rewrite` directives gather, so that they act as one plugin. */
const SHARED_RULES_KEY = 'rewrite.rules';

/**
 * `rewrite [continue|stop] name|type|class|edns0|ttl|rcode|cname ...` (CoreDNS plugin/rewrite).
 * Every `rewrite` line of a server block is one rule of a single plugin, as in CoreDNS: a `stop`
 * rule ends the rule list for the query, whichever line it is on. The first line's instance carries the handler.
 */
export const rewritePlugin: PluginDefinition<Rule> = {
  name: 'rewrite',
  once: false,
  parse: parseRewrite,
  setup(rule, context) {
    const gathered = context.shared.get(SHARED_RULES_KEY) as Rule[] | undefined;
    if (gathered !== undefined) {
      gathered.push(rule);
      return {};
    }
    const rules = [rule];
    context.shared.set(SHARED_RULES_KEY, rules);
    // Chains are composed after every plugin of the block is set up, so the list is complete here.
    return { handler: (next) => createRewriteHandler([...rules])(next) };
  },
};
