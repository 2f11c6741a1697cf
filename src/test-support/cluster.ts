import type { ClusterState, EndpointSlice, Pod, Service } from '../cluster/types.ts';

/** Test builders: the smallest valid objects, with the fields a test cares about overridden. */
export function service(overrides: Partial<Service> & { name: string }): Service {
  return {
    namespace: 'default',
    type: 'ClusterIP',
    clusterIPs: ['10.96.0.20'],
    headless: false,
    externalIPs: [],
    loadBalancerIngress: [],
    ports: [{ name: '', protocol: 'TCP', port: 80, targetPort: 8080 }],
    selector: { app: overrides.name },
    publishNotReadyAddresses: false,
    sessionAffinity: 'None',
    sessionAffinityTimeoutSeconds: 10800,
    labels: {},
    ...overrides,
  };
}

export function pod(overrides: Partial<Pod> & { name: string }): Pod {
  return {
    namespace: 'default',
    ips: ['10.244.0.1'],
    labels: {},
    phase: 'Running',
    ready: true,
    terminating: false,
    containerPorts: [],
    ...overrides,
  };
}

export function slice(overrides: Partial<EndpointSlice> & { name: string; serviceName: string }): EndpointSlice {
  return { namespace: 'default', addressType: 'IPv4', endpoints: [], ports: [], labels: {}, ...overrides };
}

export function state(parts: Partial<ClusterState>): ClusterState {
  return { services: [], endpointSlices: [], pods: [], namespaces: [], serviceImports: [], ...parts };
}

/** A deterministic permutation, so "order does not matter" tests need no randomness. */
export function reversedInterleave<T>(items: readonly T[]): T[] {
  const odd = items.filter((_, i) => i % 2 === 1);
  const even = items.filter((_, i) => i % 2 === 0);
  return [...odd.reverse(), ...even];
}
