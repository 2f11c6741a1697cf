import { clusterChangesOffer } from '../../toolkit/offers.ts';
import type { PluginDefinition } from '../../toolkit/types.ts';
import { trackCacheMetrics } from './collector.ts';
import { Cache, systemClock, type CacheClock } from './handler.ts';
import { parseCache, type CacheOptions } from './parse.ts';

export { Cache, type CacheClock } from './handler.ts';
export type { CacheOptions } from './parse.ts';

/** The cache plugin on `clock` (tests pass one they can move forward). */
export function createCachePlugin(clock: CacheClock = systemClock): PluginDefinition<CacheOptions> {
  return {
    name: 'cache',
    once: true,
    parse: parseCache,
    setup: (options, context) => {
      const zones = options.zones.length > 0 ? options.zones : context.zones;
      const cache = new Cache(options, zones, clock, context.logger, context.threads.threads);
      context.onShutdown(trackCacheMetrics(cache.metrics));
      return {
        handler: (next) => cache.handler(next),
        attach: () => {
          // kubernetes is set up after cache: its offer is there once every plugin of the block is.
          const changes = clusterChangesOffer.find(context);
          if (changes !== undefined) context.onShutdown(cache.follow(changes));
        },
      };
    },
  };
}

export const cachePlugin = createCachePlugin();
