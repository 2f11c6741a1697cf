import { describe, expect, it } from 'vitest';
import * as fixtures from '../test-support/cluster.ts';
import { createClusterStore } from './store.ts';
import type { EndpointSlice, Pod, Service, StoreChange } from './types.ts';

function service(namespace: string, name: string, clusterIPs: string[] = []): Service {
  return fixtures.service({ namespace, name, clusterIPs, headless: clusterIPs.length === 0 });
}

function slice(namespace: string, name: string, serviceName: string, ips: string[], trigger?: number): EndpointSlice {
  return fixtures.slice({
    namespace,
    name,
    serviceName,
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } })),
    ...(trigger === undefined ? {} : { lastChangeTriggerTime: trigger }),
  });
}

function pod(namespace: string, name: string, ips: string[]): Pod {
  return fixtures.pod({ namespace, name, ips });
}

function record(store: ReturnType<typeof createClusterStore>): StoreChange[] {
  const changes: StoreChange[] = [];
  store.subscribe((change) => changes.push({ ...change, services: new Set(change.services) }));
  return changes;
}

describe('cluster store', () => {
  it('indexes services, slices and pods by the keys answers look up', () => {
    const store = createClusterStore();
    store.replace({
      services: [service('default', 'web', ['10.0.0.1', 'fd00::1'])],
      endpointSlices: [slice('default', 'web-abc', 'web', ['10.1.0.1', '10.1.0.2'])],
      pods: [pod('default', 'web-0', ['10.1.0.1'])],
      namespaces: [{ name: 'default', labels: {} }],
    });
    expect(store.service('default', 'web')?.clusterIPs).toEqual(['10.0.0.1', 'fd00::1']);
    expect(store.servicesByClusterIP('fd00::1').map((s) => s.name)).toEqual(['web']);
    expect(store.endpointSlices('default', 'web').map((s) => s.name)).toEqual(['web-abc']);
    expect(store.endpointSlicesByIP('10.1.0.2').map((s) => s.name)).toEqual(['web-abc']);
    expect(store.podsByIP('10.1.0.1').map((p) => p.name)).toEqual(['web-0']);
    expect(store.namespace('default')).toBeDefined();
    expect(store.service('other', 'web')).toBeUndefined();
    expect(store.endpointSlices('default', 'nope')).toEqual([]);
  });

  it('reports the service a slice change touches, and only what differs on replace', () => {
    const store = createClusterStore();
    store.replace({ services: [service('a', 'one', ['10.0.0.1']), service('a', 'two', ['10.0.0.2'])] });
    const changes = record(store);
    store.replace({ services: [service('a', 'one', ['10.0.0.1']), service('a', 'two', ['10.0.0.3'])] });
    store.upsert('endpointslice', slice('a', 'one-x', 'one', ['10.1.0.1'], 1_700_000_000_000));
    store.replace({ services: [service('a', 'one', ['10.0.0.1']), service('a', 'two', ['10.0.0.3'])] });
    expect(changes).toHaveLength(2);
    expect([...changes[0]!.services]).toEqual(['a/two']);
    expect([...changes[1]!.services]).toEqual(['a/one']);
    expect(changes[1]!.triggers).toEqual([{ service: 'a/one', triggerTime: 1_700_000_000_000 }]);
    expect(store.servicesByClusterIP('10.0.0.2')).toEqual([]);
  });

  it('swaps a whole kind without a moment where a kept object is missing', () => {
    const store = createClusterStore();
    store.replace({ services: [service('a', 'kept', ['10.0.0.1']), service('a', 'gone', ['10.0.0.2'])] });
    const seen: (Service | undefined)[] = [];
    store.subscribe(() => seen.push(store.service('a', 'kept')));
    store.replace({ services: [service('a', 'kept', ['10.0.0.1']), service('a', 'new', ['10.0.0.3'])] });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.name).toBe('kept');
    expect(store.service('a', 'gone')).toBeUndefined();
    expect(store.service('a', 'new')).toBeDefined();
  });

  it('removes objects and their index entries', () => {
    const store = createClusterStore();
    store.upsert('pod', pod('a', 'p', ['10.1.0.9']));
    store.upsert('endpointslice', slice('a', 's', 'svc', ['10.1.0.9']));
    const changes = record(store);
    store.remove('pod', 'a/p');
    store.remove('endpointslice', 'a/s');
    store.remove('service', 'a/absent');
    expect(store.podsByIP('10.1.0.9')).toEqual([]);
    expect(store.endpointSlicesByIP('10.1.0.9')).toEqual([]);
    expect(store.endpointSlices('a', 'svc')).toEqual([]);
    expect(changes.map((c) => c.podsChanged)).toEqual([true, false]);
    expect([...changes[1]!.services]).toEqual(['a/svc']);
  });

  it('moves a slice between services when its service label changes', () => {
    const store = createClusterStore();
    store.upsert('endpointslice', slice('a', 's', 'one', ['10.1.0.1']));
    const changes = record(store);
    store.upsert('endpointslice', slice('a', 's', 'two', ['10.1.0.1']));
    expect(store.endpointSlices('a', 'one')).toEqual([]);
    expect(store.endpointSlices('a', 'two')).toHaveLength(1);
    expect([...changes[0]!.services].sort()).toEqual(['a/one', 'a/two']);
  });

  it('is not synced until a source says so', () => {
    const store = createClusterStore();
    store.replace({ services: [] });
    expect(store.synced).toBe(false);
    store.markSynced();
    expect(store.synced).toBe(true);
  });
});

describe('cluster store: the clusterset (Multi-Cluster Services API)', () => {
  it('keeps ServiceImports and indexes clusterset slices by their ServiceImport, telling listeners of both', () => {
    const store = createClusterStore();
    const changes = record(store);
    const imported = { namespace: 'shop', name: 'db', type: 'Headless' as const, ips: [], ports: [] };
    const remote = { ...slice('shop', 'db-east', '', ['10.1.0.1']), multiCluster: { serviceName: 'db', clusterId: 'east' } };
    store.replace({ serviceImports: [imported], endpointSlices: [remote] });
    expect(store.serviceImport('shop', 'db')).toEqual(imported);
    expect([...store.serviceImports()]).toEqual([imported]);
    expect(store.multiClusterSlices('shop', 'db')).toEqual([remote]);
    // Not a slice of a Service of that name.
    expect(store.endpointSlices('shop', 'db')).toEqual([]);
    expect([...changes[0]!.services]).toEqual(['shop/db']);

    store.remove('endpointslice', 'shop/db-east');
    expect(store.multiClusterSlices('shop', 'db')).toEqual([]);
    store.remove('serviceimport', 'shop/db');
    expect(store.serviceImport('shop', 'db')).toBeUndefined();
    expect(changes.map((change) => [...change.services])).toEqual([['shop/db'], ['shop/db'], ['shop/db']]);
  });
});
