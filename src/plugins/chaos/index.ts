import type { PluginDefinition } from '../../toolkit/types.ts';
import { chaosHandler } from './handler.ts';
import { parseChaos, type ChaosOptions } from './parse.ts';

/** Where a block's first `chaos` line leaves its mark, so the others are known to be ignored. */
const SHARED_KEY = 'chaos';

/**
 * `chaos [VERSION] [AUTHORS...]` (CoreDNS plugin/chaos): answers CH TXT questions for the
 * server's version, host name and authors. As in CoreDNS, the first `chaos` line of a block counts.
 */
export const chaosPlugin: PluginDefinition<ChaosOptions> = {
  name: 'chaos',
  once: false,
  parse: parseChaos,
  setup: (options, context) => {
    if (context.shared.has(SHARED_KEY)) {
      context.logger.warn('only the first chaos line of a server block takes effect, as in CoreDNS: this one is ignored');
      return {};
    }
    context.shared.set(SHARED_KEY, true);
    return { handler: chaosHandler(options) };
  },
};
