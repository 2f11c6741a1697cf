import { counter, registerCollector } from '../../../metrics/registry.ts';
import type { ProxyCounters } from '../../../proxy/index.ts';
import { SHARED_PROXY_KEY } from '../../kubeproxy/index.ts';

/*
 * kubeproxy is clusterdns's own (CoreDNS has none), so its series carry a clusterdns_ prefix.
 * Each proxy keeps plain per-service counters; a block with both prometheus and kubeproxy has
 * them read at each scrape. A reload starts a new proxy: its counters start again from zero.
 */

const LABELS = ['namespace', 'service'];
const connections = counter({
  name: 'clusterdns_kubeproxy_connections_total',
  help: 'TCP connections accepted and UDP flows opened by the service proxy, per service.',
  labelNames: LABELS,
});
const receivedBytes = counter({
  name: 'clusterdns_kubeproxy_received_bytes_total',
  help: 'Bytes the service proxy relayed from clients to backends, per service.',
  labelNames: LABELS,
});
const sentBytes = counter({
  name: 'clusterdns_kubeproxy_sent_bytes_total',
  help: 'Bytes the service proxy relayed from backends to clients, per service.',
  labelNames: LABELS,
});
const errors = counter({
  name: 'clusterdns_kubeproxy_errors_total',
  help: 'Failed backend connects, reset connections and datagrams dropped for want of a backend, per service.',
  labelNames: LABELS,
});

interface StatsSource {
  stats(): ReadonlyMap<string, Readonly<ProxyCounters>>;
}

function isStatsSource(value: unknown): value is StatsSource {
  return typeof value === 'object' && value !== null && typeof (value as StatsSource).stats === 'function';
}

const proxies = new Set<StatsSource>();

registerCollector(() => {
  for (const family of [connections, receivedBytes, sentBytes, errors]) family.reset();
  for (const proxy of proxies) {
    for (const [key, counters] of proxy.stats()) {
      const slash = key.indexOf('/');
      const labels = [key.slice(0, slash), key.slice(slash + 1)];
      connections.cell(...labels).inc(counters.connections);
      receivedBytes.cell(...labels).inc(counters.bytesIn);
      sentBytes.cell(...labels).inc(counters.bytesOut);
      errors.cell(...labels).inc(counters.errors);
    }
  }
});

/** Reads the block's proxy (if it has one) at each scrape until the returned function is called. */
export function reportKubeproxy(shared: ReadonlyMap<string, unknown>): () => void {
  const proxy = shared.get(SHARED_PROXY_KEY);
  if (!isStatsSource(proxy)) return () => {};
  proxies.add(proxy);
  return () => void proxies.delete(proxy);
}
