/** What one listener's queries did to one cache, made into coredns_cache_* series by collector.ts. */
export class CacheServerCounters {
  /** coredns_cache_requests_total{server,zones,view} */
  requests = 0;
  /** coredns_cache_hits_total{server,type="success",zones,view} */
  successHits = 0;
  /** coredns_cache_hits_total{server,type="denial",zones,view} */
  denialHits = 0;
  /** coredns_cache_misses_total{server,zones,view} */
  misses = 0;
  /** coredns_cache_prefetch_total{server,zones,view}: background refreshes started (prefetch and stale). */
  prefetches = 0;
  /** coredns_cache_served_stale_total{server,zones,view} */
  servedStale = 0;
  /** coredns_cache_drops_total{server,zones,view}: replies not stored because their question differed. */
  drops = 0;
  /** coredns_cache_evictions_total{server,type="success",zones,view}: items pushed out to make room. */
  successEvictions = 0;
  /** coredns_cache_evictions_total{server,type="denial",zones,view} */
  denialEvictions = 0;
}

/**
 * The counters of one cache instance (one server block), by listener as CoreDNS labels them
 * (`dns://:53`). Entry counts belong to the instance: CoreDNS reports them under the server whose
 * query last stored something, which is the only server for a block with one listener.
 */
export class CacheMetrics {
  /** The `zones` label: the cache's zones as FQDNs joined by commas (`cluster.local.,in-addr.arpa.`). */
  readonly zones: string;
  /** The `view` label; clusterdns has no view plugin. */
  readonly view = '';
  readonly servers = new Map<string, CacheServerCounters>();
  private readonly sizes: () => { success: number; denial: number };

  constructor(zones: string, sizes: () => { success: number; denial: number }) {
    this.zones = zones;
    this.sizes = sizes;
  }

  /** coredns_cache_entries{server,type,zones,view}: items held now, per cache. */
  entries(): { success: number; denial: number } {
    return this.sizes();
  }

  forServer(server: string): CacheServerCounters {
    let counters = this.servers.get(server);
    if (counters === undefined) {
      counters = new CacheServerCounters();
      this.servers.set(server, counters);
    }
    return counters;
  }
}
