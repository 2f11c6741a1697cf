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
      return { handler: (next) => cache.handler(next) };
    },
  };
}

export const cachePlugin = createCachePlugin();
