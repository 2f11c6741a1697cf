import { describe, expect, it } from 'vitest';
import { createClusterStore } from '../../cluster/store.ts';
import type { EndpointSlice } from '../../cluster/types.ts';
import { silentLogger } from '../../log.ts';
import { renderMetrics } from '../../metrics/registry.ts';
import { endpoint, headless, service, slice } from '../../test-support/kubernetes.ts';
import { observeProgrammingLatency } from './programming-latency.ts';

const METRIC = 'coredns_kubernetes_dns_programming_duration_seconds';

async function observed(): Promise<{ count: number; sum: number }> {
  const text = await renderMetrics(silentLogger);
  const value = (suffix: string) =>
    Number(/ (\S+)$/.exec(text.split('\n').find((l) => l.startsWith(`${METRIC}_${suffix}{service_kind="headless_with_selector"}`)) ?? ' 0')![1]);
  return { count: value('count'), sum: value('sum') };
}

function triggered(base: EndpointSlice, triggerTime: number): EndpointSlice {
  return { ...base, lastChangeTriggerTime: triggerTime };
}

describe('DNS programming latency', () => {
  it('observes headless services from the trigger time to the change reaching the store', async () => {
    const store = createClusterStore();
    store.replace({ services: [headless('default', 'web'), service('default', 'api', { clusterIPs: ['10.0.0.1'] })] });
    const unsubscribe = observeProgrammingLatency(store, () => 1_000_000);
    const before = await observed();

    store.upsert('endpointslice', triggered(slice('default', 'web-a', 'web', [endpoint('10.1.0.1')]), 1_000_000 - 1500));
    store.upsert('endpointslice', triggered(slice('default', 'api-a', 'api', [endpoint('10.1.0.2')]), 1_000_000 - 900));
    store.upsert('endpointslice', slice('default', 'web-b', 'web', [endpoint('10.1.0.3')]));

    const after = await observed();
    expect(after.count - before.count).toBe(1);
    expect(after.sum - before.sum).toBeCloseTo(1.5, 6);
    unsubscribe();
  });
});
