import { podLookupOffer } from '../../toolkit/offers.ts';
import type { PluginDefinition } from '../../toolkit/types.ts';
import { ResponseRateLimiter } from './handler.ts';
import { parseRrl, type RrlOptions } from './parse.ts';

/**
 * `rrl [ZONES...] { ... }`: BIND-style response rate limiting as github.com/coredns/rrl (an
 * external CoreDNS plugin) does it, with clusterdns's `per-namespace`.
 */
export const rrlPlugin: PluginDefinition<RrlOptions> = {
  name: 'rrl',
  // The external plugin's setup adds a handler per line: two lines limit twice, each with its table.
  once: false,
  parse: parseRrl,
  setup: (options, context) => {
    const zones = options.zones ?? context.zones;
    return {
      // `kubernetes` comes after `rrl` in the order: its offer is there once the chain is composed.
      handler: (next) => {
        const pods = podLookupOffer.find(context) ?? null;
        if (options.perNamespace && pods === null) {
          context.logger.warn('per-namespace: no kubernetes plugin in this server block; clients are accounted by address prefix');
        }
        return new ResponseRateLimiter(zones, options, { now: () => performance.now(), logger: context.logger, pods }).factory(next);
      },
    };
  },
};
