import { counter, gauge, registerCollector } from '../../metrics/registry.ts';
import type { CacheMetrics, CacheServerCounters } from './metrics.ts';

/*
 * The cache plugin keeps plain numbers per instance and listener (CacheServerCounters); this turns
 * them into CoreDNS's coredns_cache_* series at each scrape. Instances retired by a reload are
 * folded into running totals, so the counters do not fall back (increments made between a
 * retired instance's last scrape and its retirement are lost).
 */

const LABELS = ['server', 'zones', 'view'];
const TYPED = ['server', 'type', 'zones', 'view'];

const requests = counter({ name: 'coredns_cache_requests_total', help: 'The count of cache requests.', labelNames: LABELS });
const hits = counter({ name: 'coredns_cache_hits_total', help: 'The count of cache hits.', labelNames: TYPED });
const misses = counter({
  name: 'coredns_cache_misses_total',
  help: 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.',
  labelNames: LABELS,
});
const prefetches = counter({
  name: 'coredns_cache_prefetch_total',
  help: 'The number of times the cache has prefetched a cached item.',
  labelNames: LABELS,
});
const drops = counter({
  name: 'coredns_cache_drops_total',
  help: 'The number responses that are not cached, because the reply is malformed.',
  labelNames: LABELS,
});
const servedStale = counter({
  name: 'coredns_cache_served_stale_total',
  help: 'The number of requests served from stale cache entries.',
  labelNames: LABELS,
});
const evictions = counter({ name: 'coredns_cache_evictions_total', help: 'The count of cache evictions.', labelNames: TYPED });
// Each thread holds its share of the capacity (see Cache), so the process's size is their sum.
const entries = gauge({ name: 'coredns_cache_entries', help: 'The number of elements in the cache.', labelNames: TYPED, acrossThreads: 'sum' });

type Totals = CacheServerCounters;
const FIELDS = ['requests', 'successHits', 'denialHits', 'misses', 'prefetches', 'servedStale', 'drops', 'successEvictions', 'denialEvictions'] as const;

function add(into: Map<string, Totals>, key: string, counters: Readonly<Totals>): void {
  let total = into.get(key);
  if (total === undefined) {
    total = { requests: 0, successHits: 0, denialHits: 0, misses: 0, prefetches: 0, servedStale: 0, drops: 0, successEvictions: 0, denialEvictions: 0 };
    into.set(key, total);
  }
  for (const field of FIELDS) total[field] += counters[field];
}

/** Totals of retired instances, by `server \0 zones`. */
const retired = new Map<string, Totals>();
/** What each live instance had at the last scrape, to fold in once it retires. */
let lastSeen = new Map<CacheMetrics, Map<string, Totals>>();

function publish(key: string, total: Totals): void {
  const [server, zones] = key.split('\u0000') as [string, string];
  requests.cell(server, zones, '').value = total.requests;
  hits.cell(server, 'success', zones, '').value = total.successHits;
  hits.cell(server, 'denial', zones, '').value = total.denialHits;
  misses.cell(server, zones, '').value = total.misses;
  prefetches.cell(server, zones, '').value = total.prefetches;
  servedStale.cell(server, zones, '').value = total.servedStale;
  drops.cell(server, zones, '').value = total.drops;
  evictions.cell(server, 'success', zones, '').value = total.successEvictions;
  evictions.cell(server, 'denial', zones, '').value = total.denialEvictions;
}

/** The metrics of every cache instance currently serving (a reload retires the old ones). */
const live = new Set<CacheMetrics>();

/** Has `metrics` read at each scrape until the returned function is called (at shutdown). */
export function trackCacheMetrics(metrics: CacheMetrics): () => void {
  live.add(metrics);
  return () => void live.delete(metrics);
}

function collectCaches(): void {
  for (const [metrics, servers] of lastSeen) {
    if (live.has(metrics)) continue;
    for (const [key, counters] of servers) add(retired, key, counters);
  }
  lastSeen = new Map();
  const totals = new Map<string, Totals>();
  for (const [key, total] of retired) add(totals, key, total);
  entries.reset();
  for (const metrics of live) {
    const seen = new Map<string, Totals>();
    lastSeen.set(metrics, seen);
    for (const [server, counters] of metrics.servers) {
      const key = `${server}\u0000${metrics.zones}`;
      const snapshot = { ...counters };
      seen.set(key, snapshot);
      add(totals, key, snapshot);
    }
    // The entries belong to the instance: reported under its first listener, as CoreDNS reports
    // them under the server whose query last stored something.
    const first = metrics.servers.keys().next();
    if (first.done) continue;
    const { success, denial } = metrics.entries();
    entries.cell(first.value, 'success', metrics.zones, '').set(success);
    entries.cell(first.value, 'denial', metrics.zones, '').set(denial);
  }
  for (const [key, total] of totals) publish(key, total);
}

registerCollector(collectCaches);
