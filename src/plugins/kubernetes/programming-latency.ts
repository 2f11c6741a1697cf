import { histogram } from '../../metrics/registry.ts';
import type { ClusterView, StoreChange } from '../../cluster/types.ts';

/** prometheus.ExponentialBuckets(0.001, 2, 20): from 1 ms to about 17 minutes, as CoreDNS. */
const BUCKETS = Array.from({ length: 20 }, (_, i) => 0.001 * 2 ** i);

const programmingDuration = histogram({
  name: 'coredns_kubernetes_dns_programming_duration_seconds',
  help: 'Histogram of the time (in seconds) it took to program a dns instance.',
  labelNames: ['service_kind'],
  buckets: BUCKETS,
});

/**
 * CoreDNS's DNS programming latency SLI: from the endpoints controller's last-change trigger time to
 * the moment answers reflect the change. As CoreDNS, only headless services count (their answers
 * are the endpoints; a ClusterIP's answer does not change with them), under
 * `service_kind="headless_with_selector"`: a trigger time means the controller wrote the slice.
 * Returns the unsubscribe function.
 */
export function observeProgrammingLatency(view: ClusterView, now: () => number = Date.now): () => void {
  const cell = programmingDuration.cell('headless_with_selector');
  return view.subscribe((change: StoreChange) => {
    if (change.triggers.length === 0) return;
    const at = now();
    for (const { service, triggerTime } of change.triggers) {
      const slash = service.indexOf('/');
      if (!view.service(service.slice(0, slash), service.slice(slash + 1))?.headless) continue;
      cell.observe(Math.max(0, at - triggerTime) / 1000);
    }
  });
}
