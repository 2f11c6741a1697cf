import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClusterStore } from '../../src/cluster/store.ts';
import type { ClusterView } from '../../src/cluster/types.ts';
import { CONTROLLER_NAME, MANAGED_BY_LABEL } from '../../src/controller/index.ts';
import { createManifestSource } from '../../src/plugins/kubernetes/source.ts';
import { MYAPP_BACKENDS } from '../../examples/backend.ts';
import { recordingLogger } from '../../src/test-support/log.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');

/** The example as the kubernetes plugin loads it in self-contained mode, minus the probes (they need the backends). */
async function loadExample(): Promise<{ store: ClusterView; lines: ReturnType<typeof recordingLogger>['lines'] }> {
  const store = createClusterStore();
  const { logger, lines } = recordingLogger();
  const source = await createManifestSource({ paths: [EXAMPLE] }, { serviceCIDRs: null, nodePortRange: null, readinessProbes: false }, logger);
  await source.start(store);
  await source.stop();
  return { store, lines };
}

function endpointsOf(store: ClusterView, namespace: string, service: string): string[] {
  return store
    .endpointSlices(namespace, service)
    .flatMap((slice) => slice.endpoints.map((endpoint) => `${endpoint.hostname ?? endpoint.addresses.join(',')} ${endpoint.conditions.ready}`))
    .sort();
}

describe('examples/cluster.yaml in self-contained mode', () => {
  it('loads without a warning, skipping only the Deployment', async () => {
    const { store, lines } = await loadExample();
    expect(store.synced).toBe(true);
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    expect(lines.filter((line) => line.msg === 'manifest object ignored').map((line) => line.kind)).toEqual(['Deployment']);
    expect([...store.namespaces()].map((namespace) => namespace.name).sort()).toEqual(['default', 'kube-system', 'shop']);
  });

  it('puts every proxied service on loopback, so kubeproxy can listen on all of them', async () => {
    const { store } = await loadExample();
    const proxied = [...store.services()].filter((service) => service.type !== 'ExternalName' && !service.headless);
    expect(proxied.map((service) => `${service.namespace}/${service.name} ${service.clusterIPs.join(',')}`).sort()).toEqual([
      'default/kubernetes 127.10.0.1',
      'default/myservice 127.10.0.80',
      'default/myservice-lb 127.10.0.81',
      'kube-system/kube-dns 127.10.0.10',
    ]);
  });

  it('computes the slices of selector services from their pods, and keeps the hand-written one of kubernetes', async () => {
    const { store } = await loadExample();
    const myservice = store.endpointSlices('default', 'myservice');
    expect(myservice.every((slice) => slice.labels[MANAGED_BY_LABEL] === CONTROLLER_NAME)).toBe(true);
    expect(endpointsOf(store, 'default', 'myservice')).toEqual(MYAPP_BACKENDS.map(({ address }) => `${address} true`));
    expect(myservice.flatMap((slice) => slice.ports)).toEqual([{ name: 'http', protocol: 'TCP', port: MYAPP_BACKENDS[0]!.port }]);

    const kubeDns = store.endpointSlices('kube-system', 'kube-dns').filter((slice) => slice.endpoints.length > 0);
    expect(kubeDns.flatMap((slice) => slice.endpoints.flatMap((endpoint) => endpoint.addresses))).toEqual(['127.0.0.1']);
    expect(kubeDns.flatMap((slice) => slice.ports.map((port) => `${port.name} ${port.port}/${port.protocol}`)).sort()).toEqual([
      'dns 1053/UDP',
      'dns-tcp 1053/TCP',
      'metrics 9153/TCP',
    ]);

    expect(store.endpointSlices('default', 'kubernetes').map((slice) => slice.name)).toEqual(['kubernetes']);
    expect(endpointsOf(store, 'default', 'kubernetes')).toEqual(['172.18.0.2 true']);
  });

  it('keeps the headless StatefulSet with its not-ready pod, the dual-stack service and the ExternalName', async () => {
    const { store } = await loadExample();
    expect(store.service('default', 'web')?.headless).toBe(true);
    expect(endpointsOf(store, 'default', 'web')).toEqual(['web-0 true', 'web-1 true', 'web-2 false']);

    const frontend = store.endpointSlices('shop', 'frontend');
    expect(frontend.map((slice) => `${slice.addressType} ${slice.endpoints.length}`).sort()).toEqual(['IPv4 2', 'IPv6 2']);

    expect(store.service('default', 'database')?.externalName).toBe('db.prod.example.com');
  });
});
