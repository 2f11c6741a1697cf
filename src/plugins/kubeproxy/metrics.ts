import { counter, registerCollector } from '../../metrics/registry.ts';
import type { ProxyCounters } from '../../proxy/index.ts';

/*
 * kubeproxy is clusterdns's own (CoreDNS has none), so its series carry a clusterdns_ prefix.
 * Each proxy keeps plain per-service counters, read at each scrape in the blocks that export
 * metrics. A reload starts a new proxy: its counters start again from zero.
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

// Registered as this module loads, so before any proxy's collector: every scrape starts from no
// series, and the proxies registered then add theirs up (two blocks may proxy one service).
registerCollector(() => {
  for (const family of [connections, receivedBytes, sentBytes, errors]) family.reset();
});

/** What a proxy offers its counters through: per `namespace/service`. */
export interface ProxyStats {
  stats(): ReadonlyMap<string, Readonly<ProxyCounters>>;
}

/** Adds a proxy's counters to the clusterdns_kubeproxy_* series, each time it runs. */
export function proxyCollector(proxy: ProxyStats): () => void {
  return () => {
    for (const [key, counters] of proxy.stats()) {
      const slash = key.indexOf('/');
      const labels = [key.slice(0, slash), key.slice(slash + 1)];
      connections.cell(...labels).inc(counters.connections);
      receivedBytes.cell(...labels).inc(counters.bytesIn);
      sentBytes.cell(...labels).inc(counters.bytesOut);
      errors.cell(...labels).inc(counters.errors);
    }
  };
}
