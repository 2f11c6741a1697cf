import type { PluginDefinition } from '../../toolkit/types.ts';
import { headerHandler } from './handler.ts';
import { parseHeader, type HeaderRules } from './parse.ts';

/** Where a block's first `header` line leaves its mark, so the others are known to be ignored. */
const SHARED_KEY = 'header';

/**
 * `header { query|response set|clear FLAG... }` (CoreDNS plugin/header): sets or clears AA, RA
 * and RD in queries before the rest of the chain and in the responses coming back. As in CoreDNS,
 * the first `header` line of a block is the one that counts.
 */
export const headerPlugin: PluginDefinition<HeaderRules> = {
  name: 'header',
  once: false,
  parse: parseHeader,
  setup: (rules, context) => {
    if (context.shared.has(SHARED_KEY)) {
      context.logger.warn('only the first header line of a server block takes effect, as in CoreDNS: this one is ignored');
      return {};
    }
    context.shared.set(SHARED_KEY, true);
    return { handler: headerHandler(rules) };
  },
};
