import { TIME_BUCKETS } from '../../metrics/coredns.ts';
import type { CounterCell, HistogramCell } from '../../metrics/families.ts';
import { counter, histogram } from '../../metrics/registry.ts';
import type { WireProtocol } from './upstreams.ts';

/*
 * CoreDNS's plugin/pkg/proxy and plugin/forward metrics, with its names, labels and help texts.
 * `to` is an upstream's `ip:port`; proxy_name is always "forward".
 */

const PROXY_NAME = 'forward';

export const requestDuration = histogram({
  name: 'coredns_proxy_request_duration_seconds',
  help: 'Histogram of the time each request took.',
  labelNames: ['proxy_name', 'to', 'rcode'],
  buckets: TIME_BUCKETS,
});

export const healthcheckFailures = counter({
  name: 'coredns_proxy_healthcheck_failures_total',
  help: 'Counter of the number of failed healthchecks.',
  labelNames: ['proxy_name', 'to'],
});

export const connCacheHits = counter({
  name: 'coredns_proxy_conn_cache_hits_total',
  help: 'Counter of connection cache hits per upstream and protocol.',
  labelNames: ['proxy_name', 'to', 'proto'],
});

export const connCacheMisses = counter({
  name: 'coredns_proxy_conn_cache_misses_total',
  help: 'Counter of connection cache misses per upstream and protocol.',
  labelNames: ['proxy_name', 'to', 'proto'],
});

/** coredns_forward_healthcheck_broken_total: queries that found every upstream down. */
export const healthcheckBroken: CounterCell = counter({
  name: 'coredns_forward_healthcheck_broken_total',
  help: 'Counter of the number of complete failures of the healthchecks.',
  labelNames: [],
}).cell();

/** coredns_forward_max_concurrent_rejects_total: queries refused over max_concurrent. */
export const maxConcurrentRejects: CounterCell = counter({
  name: 'coredns_forward_max_concurrent_rejects_total',
  help: 'Counter of the number of queries rejected because the concurrent queries were at maximum.',
  labelNames: [],
}).cell();

function cellsOf(family: typeof connCacheHits, to: string, protocols: readonly WireProtocol[]): Partial<Record<WireProtocol, CounterCell>> {
  return Object.fromEntries(protocols.map((protocol) => [protocol, family.cell(PROXY_NAME, to, protocol)]));
}

/** The cells of one upstream, looked up once so that a query only bumps numbers. */
export class UpstreamMetrics {
  private readonly to: string;
  private readonly durations = new Map<string, HistogramCell>();
  private readonly hits: Partial<Record<WireProtocol, CounterCell>>;
  private readonly misses: Partial<Record<WireProtocol, CounterCell>>;
  readonly healthcheckFailures: CounterCell;

  /** `protocols`: those the upstream is spoken to over (`tcp-tls` alone for a tls:// one), whose series exist from the start. */
  constructor(to: string, protocols: readonly WireProtocol[]) {
    this.to = to;
    this.hits = cellsOf(connCacheHits, to, protocols);
    this.misses = cellsOf(connCacheMisses, to, protocols);
    this.healthcheckFailures = healthcheckFailures.cell(PROXY_NAME, to);
  }

  requestDuration(rcode: string, seconds: number): void {
    let cell = this.durations.get(rcode);
    if (cell === undefined) this.durations.set(rcode, (cell = requestDuration.cell(PROXY_NAME, this.to, rcode)));
    cell.observe(seconds);
  }

  connCache(protocol: WireProtocol, hit: boolean): void {
    (hit ? this.hits : this.misses)[protocol]?.inc();
  }
}
