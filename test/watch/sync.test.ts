import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../src/test-support/wait.ts';
import { endpointSliceObject, namespaceObject, podObject, serviceObject, type FakeApiServer } from '../fake-apiserver/index.ts';
import { startHarness, type Harness } from './harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

function seedCluster(server: FakeApiServer): void {
  server.upsert('namespace', namespaceObject('default'));
  server.upsert('namespace', namespaceObject('team-a', { team: 'a' }));
  server.upsert('service', serviceObject('default', 'web', { clusterIP: '10.96.0.10' }));
  server.upsert('service', serviceObject('team-a', 'db', { clusterIP: '10.96.0.11', labels: { tier: 'data' } }));
  server.upsert('endpointslice', endpointSliceObject('default', 'web', 'web-abc', ['10.0.0.1', '10.0.0.2']));
  server.upsert('pod', podObject('default', 'web-0', '10.0.0.1'));
  server.upsert('pod', podObject('default', 'job-done', '10.0.0.9', { phase: 'Succeeded' }));
}

describe('initial sync', () => {
  it('lists every watched type into the store over HTTPS with the bearer token, then reports synced', async () => {
    harness = await startHarness({ seed: seedCluster, source: { watchPods: true, watchNamespaces: true } });
    const { store, source, server } = harness;
    await source.onSynced;
    expect(source.synced).toBe(true);
    expect(store.synced).toBe(true);
    expect(store.service('default', 'web')?.clusterIPs).toEqual(['10.96.0.10']);
    expect(store.servicesByClusterIP('10.96.0.11').map((s) => s.name)).toEqual(['db']);
    expect(store.endpointSlices('default', 'web')[0]?.endpoints.map((e) => e.addresses[0])).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(store.pod('default', 'web-0')?.ips).toEqual(['10.0.0.1']);
    // As CoreDNS, pods that have finished are not watched.
    expect(store.pod('default', 'job-done')).toBeUndefined();
    expect([...store.namespaces()].map((n) => n.name).sort()).toEqual(['default', 'team-a']);
    await eventually(() => server.watchCount() === 4, 'a watch per type');
    const watches = server.requests.filter((r) => r.watch);
    for (const watch of watches) expect(watch.query.get('allowWatchBookmarks')).toBe('true');
    for (const watch of watches) expect(Number(watch.query.get('timeoutSeconds'))).toBeGreaterThan(0);
  });

  it('reports synced only once every watched type has listed', async () => {
    harness = await startHarness({
      seed: (server) => {
        seedCluster(server);
        server.faults.failNext(3, 503, 'pod');
      },
      source: { watchPods: true },
    });
    const { store, source } = harness;
    await eventually(() => store.service('default', 'web') !== undefined && store.endpointSlices('default', 'web').length === 1, 'services and slices');
    expect(store.synced).toBe(false);
    expect(source.synced).toBe(false);
    await source.onSynced;
    expect(store.synced).toBe(true);
    expect(store.pod('default', 'web-0')).toBeDefined();
    expect(harness.lists('pod')).toBe(4);
  });

  it('watches only services and endpointslices unless asked for pods and namespaces', async () => {
    harness = await startHarness({ seed: seedCluster });
    await harness.source.onSynced;
    expect(harness.source.reflectors.map((r) => r.resource)).toEqual(['services', 'endpointslices']);
    expect([...harness.store.pods()]).toEqual([]);
    expect(harness.lists('pod') + harness.lists('namespace')).toBe(0);
  });

  it('passes label selectors to the API and drops namespaces that are not watched', async () => {
    harness = await startHarness({
      seed: (server) => {
        seedCluster(server);
        server.upsert('service', serviceObject('team-a', 'cache', { labels: { tier: 'data' } }));
        server.upsert('service', serviceObject('team-b', 'other', { labels: { tier: 'data' } }));
      },
      source: { labelSelector: 'tier in (data)', namespaceLabelSelector: 'team', namespaces: ['team-a'], watchNamespaces: true },
    });
    const { store, source, server } = harness;
    await source.onSynced;
    expect([...store.services()].map((s) => `${s.namespace}/${s.name}`).sort()).toEqual(['team-a/cache', 'team-a/db']);
    expect([...store.namespaces()].map((n) => n.name)).toEqual(['team-a']);
    const serviceList = server.requests.find((r) => r.kind === 'service' && !r.watch);
    expect(serviceList?.query.get('labelSelector')).toBe('tier in (data)');
    const namespaceList = server.requests.find((r) => r.kind === 'namespace' && !r.watch);
    expect(namespaceList?.query.get('labelSelector')).toBe('team');

    server.upsert('service', serviceObject('team-a', 'late', { labels: { tier: 'data' } }));
    server.upsert('service', serviceObject('team-b', 'late', { labels: { tier: 'data' } }));
    server.upsert('service', serviceObject('team-a', 'web', { labels: { tier: 'web' } }));
    await eventually(() => store.service('team-a', 'late') !== undefined, 'team-a/late');
    expect(store.service('team-b', 'late')).toBeUndefined();
    expect(store.service('team-a', 'web')).toBeUndefined();
  });

  it('pages a large list (1200 services, pages of 500)', async () => {
    harness = await startHarness({
      seed: (server) => {
        for (let i = 0; i < 1200; i++) server.upsert('service', serviceObject('default', `svc-${i}`));
      },
      source: { pageSize: 500 },
    });
    await harness.source.onSynced;
    expect([...harness.store.services()].length).toBe(1200);
    const pages = harness.server.requests.filter((r) => r.kind === 'service' && !r.watch);
    expect(pages.map((p) => p.query.get('limit'))).toEqual(['500', '500', '500']);
    expect(pages.map((p) => Boolean(p.query.get('continue')))).toEqual([false, true, true]);
  });

  it('restarts a list whose continue token expired', async () => {
    harness = await startHarness({
      seed: (server) => {
        for (let i = 0; i < 30; i++) server.upsert('service', serviceObject('default', `svc-${i}`));
        server.faults.expireNextContinueToken();
      },
      source: { pageSize: 10 },
    });
    await harness.source.onSynced;
    expect([...harness.store.services()].length).toBe(30);
    const pages = harness.server.requests.filter((r) => r.kind === 'service' && !r.watch);
    // page 1, page 2 (410), then page 1 to 3 again
    expect(pages.map((p) => Boolean(p.query.get('continue')))).toEqual([false, true, false, true, true]);
  });
});

describe('following changes', () => {
  it('applies ADDED, MODIFIED and DELETED within a second', async () => {
    harness = await startHarness({ seed: seedCluster, source: { watchPods: true } });
    const { store, source, server } = harness;
    await source.onSynced;
    await eventually(() => server.watchCount() === 3, 'three watches open');

    server.upsert('service', serviceObject('default', 'api', { clusterIP: '10.96.0.20' }));
    await eventually(() => store.service('default', 'api') !== undefined, 'ADDED service', 1000);

    server.upsert('service', serviceObject('default', 'api', { clusterIP: '10.96.0.20', port: 8443 }));
    await eventually(() => store.service('default', 'api')?.ports[0]?.port === 8443, 'MODIFIED service', 1000);

    server.upsert('endpointslice', endpointSliceObject('default', 'web', 'web-abc', ['10.0.0.3']));
    await eventually(() => store.endpointSlicesByIP('10.0.0.3').length === 1, 'MODIFIED slice', 1000);
    expect(store.endpointSlicesByIP('10.0.0.1')).toEqual([]);

    server.upsert('pod', podObject('default', 'web-0', '10.0.0.1', { phase: 'Failed' }));
    await eventually(() => store.pod('default', 'web-0') === undefined, 'pod that failed leaves', 1000);

    server.remove('service', 'default', 'web');
    await eventually(() => store.service('default', 'web') === undefined, 'DELETED service', 1000);
    expect(store.service('default', 'api')).toBeDefined();
  });

  it('skips objects that cannot be converted, and drops an object that becomes invalid', async () => {
    harness = await startHarness({ seed: seedCluster });
    const { store, source, server, logs } = harness;
    await source.onSynced;
    await eventually(() => server.watchCount() === 2, 'watches open');
    server.upsert('service', { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: 'not-an-ip' } });
    server.upsert('service', serviceObject('default', 'after', { clusterIP: '10.96.0.30' }));
    await eventually(() => store.service('default', 'after') !== undefined, 'the next valid service');
    expect(store.service('default', 'web')).toBeUndefined();
    expect(logs.some((l) => l.msg.includes('cannot be converted'))).toBe(true);
  });
});

describe('connections', () => {
  it('authenticates with a client certificate through endpoint and tls', async () => {
    harness = await startHarness({
      seed: seedCluster,
      connect: (server) => {
        const cert = server.clientCert;
        if (!cert || !server.caPath) throw new Error('the fake has no PKI');
        return { endpoint: server.url, tls: { cert: cert.certPath, key: cert.keyPath, ca: server.caPath } };
      },
    });
    await harness.source.onSynced;
    expect(harness.store.service('default', 'web')).toBeDefined();
    expect(harness.source.connection.description).toBe(`endpoint ${harness.server.url}`);
  });

  it('retries while the token is refused, logging the failure once', async () => {
    harness = await startHarness({ seed: seedCluster, kubeconfig: { currentContext: 'stranger' } });
    const { source, server, logs } = harness;
    await eventually(() => server.requests.length >= 6, 'several refused attempts');
    expect(source.synced).toBe(false);
    const failing = logs.filter((l) => l.msg.startsWith('kubernetes API failing'));
    expect(failing.length).toBe(1);
    expect(failing[0]?.['err']).toMatchObject({ code: 401, reason: 'Unauthorized' });
  });

  it('uses the kubeconfig context it is given over the current one', async () => {
    harness = await startHarness({
      seed: seedCluster,
      kubeconfig: { currentContext: 'stranger' },
      connect: (_server, path) => ({ kubeconfig: { path, context: 'fake' } }),
    });
    await harness.source.onSynced;
    expect(harness.store.service('default', 'web')).toBeDefined();
  });

  it('talks plain HTTP when the kubeconfig says http', async () => {
    harness = await startHarness({ seed: seedCluster, server: { tls: false } });
    await harness.source.onSynced;
    expect(harness.store.service('default', 'web')).toBeDefined();
  });
});
