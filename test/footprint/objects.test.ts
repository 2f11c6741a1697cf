import { describe, expect, it } from 'vitest';
import { convertObject } from '../../src/cluster/convert.ts';
import { FakeApiServer } from '../fake-apiserver/index.ts';
import {
  clusterObjects,
  endpointSliceObject,
  isHeadless,
  namespaceOf,
  podIpOf,
  podName,
  podObject,
  serviceObject,
  type ClusterLayout,
} from '../../scripts/footprint/objects.ts';

const layout: ClusterLayout = { services: 40, endpointsPerService: 5, pods: 200, namespaces: 50, seed: 1 };

function typed(kind: string, apiVersion: string, object: object): unknown {
  return { apiVersion, kind, ...object };
}

function bytes(object: object): number {
  return JSON.stringify(object).length;
}

describe('footprint objects', () => {
  it('are deterministic: the same layout and index give the same bytes', () => {
    expect(JSON.stringify(podObject(layout, 17))).toBe(JSON.stringify(podObject(layout, 17)));
    expect(JSON.stringify(serviceObject(layout, 3))).toBe(JSON.stringify(serviceObject(layout, 3)));
    expect(JSON.stringify(podObject({ ...layout, seed: 2 }, 17))).not.toBe(JSON.stringify(podObject(layout, 17)));
  });

  it('are real-sized: services and slices of a few KB, pods of 5-10 KB, each with managedFields', () => {
    const service = serviceObject(layout, 0);
    const slice = endpointSliceObject(layout, 0);
    const pod = podObject(layout, 0);
    expect(bytes(service)).toBeGreaterThan(1500);
    expect(bytes(slice)).toBeGreaterThan(2000);
    expect(bytes(pod)).toBeGreaterThan(5 * 1024);
    expect(bytes(pod)).toBeLessThan(10 * 1024);
    for (const object of [service, slice, pod]) expect(bytes((object.metadata.managedFields as object[])[0]!)).toBeGreaterThan(500);
    const applied = (service.metadata['annotations'] as Record<string, string>)['kubectl.kubernetes.io/last-applied-configuration']!;
    expect(JSON.parse(applied)).toMatchObject({ kind: 'Service', metadata: { name: 'svc-0' } });
    expect(slice.metadata.labels).toMatchObject({ 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': 'svc-0' });
    expect(slice.metadata['ownerReferences']).toMatchObject([{ kind: 'Service', name: 'svc-0' }]);
  });

  it('convert to what DNS needs: cluster IPs, ready endpoints backed by the pods, pod addresses', () => {
    const service = convertObject(typed('Service', 'v1', serviceObject(layout, 2)));
    expect(service).toMatchObject({ kind: 'service', object: { namespace: 'ns-2', name: 'svc-2', clusterIPs: ['11.0.0.3'] } });
    const slice = convertObject(typed('EndpointSlice', 'discovery.k8s.io/v1', endpointSliceObject(layout, 2)));
    if (slice?.kind !== 'endpointslice') throw new Error('not converted to an EndpointSlice');
    const endpoints = slice.object.endpoints;
    expect(endpoints.map((e) => e.addresses[0])).toEqual([10, 11, 12, 13, 14].map(podIpOf));
    expect(endpoints.every((e) => e.conditions.ready)).toBe(true);
    expect(endpoints.map((e) => e.targetRef?.name)).toEqual([10, 11, 12, 13, 14].map((p) => podName(layout, p)));
    const pod = convertObject(typed('Pod', 'v1', podObject(layout, 12)));
    expect(pod).toMatchObject({ kind: 'pod', object: { namespace: 'ns-2', name: podName(layout, 12), ips: [podIpOf(12)], phase: 'Running', ready: true } });
  });

  it('makes headless services StatefulSet-like: clusterIP None, hostnames on endpoints and pods', () => {
    const headless = Array.from({ length: layout.services }, (_, i) => i).find(isHeadless)!;
    expect(serviceObject(layout, headless).spec).toMatchObject({ clusterIP: 'None' });
    const slice = endpointSliceObject(layout, headless);
    expect((slice['endpoints'] as { hostname?: string }[])[0]!.hostname).toBe(`svc-${headless}-0`);
    const pod = podObject(layout, headless * layout.endpointsPerService);
    expect(pod.spec).toMatchObject({ hostname: `svc-${headless}-0`, subdomain: `svc-${headless}` });
  });

  it('gives every object its own address and spreads them over 50 namespaces', () => {
    const all = [...clusterObjects(layout)];
    const count = (kind: string): number => all.filter((o) => o.kind === kind).length;
    expect([count('namespace'), count('service'), count('endpointslice'), count('pod')]).toEqual([52, 40, 40, 200]);
    const clusterIPs = all.filter((o) => o.kind === 'service').map((o) => (o.object['spec'] as { clusterIP: string }).clusterIP).filter((ip) => ip !== 'None');
    expect(new Set(clusterIPs).size).toBe(clusterIPs.length);
    const podIPs = all.filter((o) => o.kind === 'pod').map((o) => (o.object['status'] as { podIP: string }).podIP);
    expect(new Set(podIPs).size).toBe(200);
    expect(new Set([...clusterIPs, ...podIPs]).size).toBe(clusterIPs.length + 200);
    expect(new Set(all.filter((o) => o.kind === 'service').map((o) => o.object.metadata.namespace)).size).toBe(40);
    expect(namespaceOf({ ...layout, services: 10_000 }, 9_999)).toBe('ns-49');
  });

  it('seed the fake API server by adoption, which serves them as given', () => {
    const server = new FakeApiServer({ tls: false });
    const pod = podObject(layout, 3);
    server.upsert('pod', pod, { adopt: true });
    const stored = server.get('pod', pod.metadata.namespace!, pod.metadata.name)!;
    expect(stored['spec']).toBe(pod['spec']);
    expect(stored).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata.name, resourceVersion: expect.any(String) } });
    expect(Object.isFrozen(pod['spec'])).toBe(true);
  });
});
