import type { PluginDefinition } from '../../toolkit/types.ts';
import { Cache, systemClock, type CacheClock } from './handler.ts';
import { trackCacheMetrics } from './metrics.ts';
import { parseCache, type CacheOptions } from './parse.ts';

export { Cache, type CacheClock } from './handler.ts';
export { CacheMetrics, CacheServerCounters, liveCacheMetrics } from './metrics.ts';
export type { CacheOptions } from './parse.ts';

/** The key the block's cache counters are published under in SetupContext.shared. */
export const SHARED_CACHE_KEY = 'cache';

/** The cache plugin on `clock` (tests pass one they can move forward). */
export function createCachePlugin(clock: CacheClock = systemClock): PluginDefinition<CacheOptions> {
  return {
    name: 'cache',
    once: true,
    parse: parseCache,
    setup: (options, context) => {
      const zones = options.zones.length > 0 ? options.zones : context.zones;
      const cache = new Cache(options, zones, clock, context.logger);
      context.onShutdown(trackCacheMetrics(cache.metrics));
      context.shared.set(SHARED_CACHE_KEY, cache.metrics);
      return { handler: (next) => cache.handler(next) };
    },
  };
}

export const cachePlugin = createCachePlugin();
