import type { PluginDefinition } from '../../toolkit/types.ts';
import { aclHandler, type ResolvedRule } from './handler.ts';
import { parseAcl, type AclRule } from './parse.ts';

/** Where a block's acl lines gather their rules: one handler checks them all, in Corefile order. */
const SHARED_KEY = 'acl';

/**
 * `acl [ZONES...] { ACTION [type QTYPE...] [net SOURCE...] }` (CoreDNS plugin/acl): allow, block
 * (REFUSED), filter (empty NOERROR) or drop (no answer) by the client's address and query type.
 * Every `acl` line of a block adds its rule to the first line's handler, so an `allow` ends the
 * checks of every line after it, as in CoreDNS.
 */
export const aclPlugin: PluginDefinition<AclRule> = {
  name: 'acl',
  once: false,
  parse: parseAcl,
  setup: (rule, context) => {
    const resolved: ResolvedRule = { zones: rule.zones ?? context.zones, policies: rule.policies };
    const rules = context.shared.get(SHARED_KEY) as ResolvedRule[] | undefined;
    if (rules !== undefined) {
      rules.push(resolved);
      return {};
    }
    const first = [resolved];
    context.shared.set(SHARED_KEY, first);
    return { handler: aclHandler(first) };
  },
};
