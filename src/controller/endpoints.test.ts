import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod } from '../cluster/types.ts';
import { pod, reversedInterleave, service, slice, state } from '../test-support/cluster.ts';
import {
  CONTROLLER_NAME,
  HEADLESS_LABEL,
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  computeEndpointSlices,
} from './endpoints.ts';
import { ControllerConfigError } from './types.ts';

const web = service({ name: 'web', selector: { app: 'web' } });

function slicesOf(result: { state: { endpointSlices: readonly EndpointSlice[] } }, serviceName: string): EndpointSlice[] {
  return result.state.endpointSlices.filter((s) => s.serviceName === serviceName);
}

function podNames(slices: readonly EndpointSlice[]): string[] {
  return slices.flatMap((s) => s.endpoints.map((e) => e.targetRef?.name ?? '?')).sort();
}

function endpointOf(p: Pod, svc = web) {
  const [s] = slicesOf(computeEndpointSlices(state({ services: [svc], pods: [p] })), svc.name);
  return s?.endpoints[0];
}

describe('computeEndpointSlices: which pods', () => {
  it('takes the pods of the service namespace whose labels include every selector pair', () => {
    const pods = [
      pod({ name: 'a', labels: { app: 'web', tier: 'front' } }),
      pod({ name: 'b', labels: { app: 'web' } }),
      pod({ name: 'c', labels: { app: 'api' } }),
      pod({ name: 'd', labels: {} }),
      pod({ name: 'e', namespace: 'other', labels: { app: 'web' } }),
    ];
    const svc = service({ name: 'web', selector: { app: 'web', tier: 'front' } });
    expect(podNames(slicesOf(computeEndpointSlices(state({ services: [svc], pods })), 'web'))).toEqual(['a']);
    expect(podNames(slicesOf(computeEndpointSlices(state({ services: [web], pods })), 'web'))).toEqual(['a', 'b']);
  });

  it('leaves out pods without an address and finished pods, keeps pending and terminating ones', () => {
    const labels = { app: 'web' };
    const pods = [
      pod({ name: 'no-ip', labels, ips: [] }),
      pod({ name: 'succeeded', labels, phase: 'Succeeded', ips: ['10.244.0.2'] }),
      pod({ name: 'failed', labels, phase: 'Failed', ips: ['10.244.0.3'] }),
      pod({ name: 'pending', labels, phase: 'Pending', ready: false, ips: ['10.244.0.4'] }),
      pod({ name: 'terminating', labels, terminating: true, ips: ['10.244.0.5'] }),
    ];
    expect(podNames(slicesOf(computeEndpointSlices(state({ services: [web], pods })), 'web'))).toEqual(['pending', 'terminating']);
  });
});

describe('computeEndpointSlices: conditions', () => {
  const labels = { app: 'web' };

  it('derives ready and serving from the Ready condition', () => {
    expect(endpointOf(pod({ name: 'p', labels, ready: true }))?.conditions).toEqual({ ready: true, serving: true, terminating: false });
    expect(endpointOf(pod({ name: 'p', labels, ready: false }))?.conditions).toEqual({ ready: false, serving: false, terminating: false });
  });

  it('never calls a terminating pod ready, but keeps serving from its Ready condition', () => {
    expect(endpointOf(pod({ name: 'p', labels, ready: true, terminating: true }))?.conditions).toEqual({
      ready: false,
      serving: true,
      terminating: true,
    });
    expect(endpointOf(pod({ name: 'p', labels, ready: false, terminating: true }))?.conditions).toEqual({
      ready: false,
      serving: false,
      terminating: true,
    });
  });

  it('marks every endpoint ready when the service publishes not-ready addresses', () => {
    const publishing = service({ name: 'web', publishNotReadyAddresses: true });
    expect(endpointOf(pod({ name: 'p', labels, ready: false }), publishing)?.conditions).toEqual({
      ready: true,
      serving: false,
      terminating: false,
    });
    expect(endpointOf(pod({ name: 'p', labels, ready: true, terminating: true }), publishing)?.conditions).toEqual({
      ready: true,
      serving: true,
      terminating: true,
    });
  });

  it('references the pod and its node, and leaves zone unset', () => {
    const endpoint = endpointOf(pod({ name: 'p', labels, nodeName: 'node-1', ips: ['10.244.1.7'] }));
    expect(endpoint).toEqual({
      addresses: ['10.244.1.7'],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'node-1',
      targetRef: { kind: 'Pod', namespace: 'default', name: 'p' },
    });
  });

  it('sets hostname only when the pod subdomain is the service name', () => {
    expect(endpointOf(pod({ name: 'web-0', labels, hostname: 'web-0', subdomain: 'web' }))?.hostname).toBe('web-0');
    expect(endpointOf(pod({ name: 'web-0', labels, hostname: 'web-0', subdomain: 'other' }))).not.toHaveProperty('hostname');
    expect(endpointOf(pod({ name: 'web-0', labels, hostname: 'web-0' }))).not.toHaveProperty('hostname');
    expect(endpointOf(pod({ name: 'web-0', labels, subdomain: 'web' }))).not.toHaveProperty('hostname');
  });
});

describe('computeEndpointSlices: ports', () => {
  const labels = { app: 'web' };

  it('resolves a numeric targetPort directly and an absent one to the service port', () => {
    const svc = service({
      name: 'web',
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'dns', protocol: 'UDP', port: 53 },
      ],
    });
    const [s] = slicesOf(computeEndpointSlices(state({ services: [svc], pods: [pod({ name: 'p', labels })] })), 'web');
    expect(s?.ports).toEqual([
      { name: 'http', protocol: 'TCP', port: 8080 },
      { name: 'dns', protocol: 'UDP', port: 53 },
    ]);
  });

  it('groups pods by what a named targetPort resolves to, dropping the port for pods without it', () => {
    const svc = service({
      name: 'web',
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' },
        { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9153 },
      ],
    });
    const pods = [
      pod({ name: 'a', labels, ips: ['10.244.0.1'], containerPorts: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }),
      pod({ name: 'b', labels, ips: ['10.244.0.2'], containerPorts: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }),
      pod({ name: 'c', labels, ips: ['10.244.0.3'], containerPorts: [{ name: 'http', containerPort: 9090, protocol: 'TCP' }] }),
      // Same name, wrong protocol: does not resolve a TCP service port.
      pod({ name: 'd', labels, ips: ['10.244.0.4'], containerPorts: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] }),
      pod({ name: 'e', labels, ips: ['10.244.0.5'] }),
    ];
    const slices = slicesOf(computeEndpointSlices(state({ services: [svc], pods })), 'web');
    const byPods = new Map(slices.map((s) => [podNames([s]).join(','), s.ports]));
    expect(byPods).toEqual(
      new Map([
        ['a,b', [{ name: 'http', protocol: 'TCP', port: 8080 }, { name: 'metrics', protocol: 'TCP', port: 9153 }]],
        ['c', [{ name: 'http', protocol: 'TCP', port: 9090 }, { name: 'metrics', protocol: 'TCP', port: 9153 }]],
        ['d,e', [{ name: 'metrics', protocol: 'TCP', port: 9153 }]],
      ]),
    );
  });

  it('gives a headless service without ports slices without ports', () => {
    const headless = service({ name: 'web', headless: true, clusterIPs: [], ports: [] });
    const slices = slicesOf(computeEndpointSlices(state({ services: [headless], pods: [pod({ name: 'p', labels })] })), 'web');
    const ipv4 = slices.filter((s) => s.addressType === 'IPv4');
    expect(ipv4).toHaveLength(1);
    expect(ipv4[0]?.ports).toEqual([]);
    expect(podNames(ipv4)).toEqual(['p']);
  });
});

describe('computeEndpointSlices: address families', () => {
  const labels = { app: 'web' };
  const pods = [
    pod({ name: 'dual', labels, ips: ['10.244.0.1', 'fd00:10:244::1'] }),
    pod({ name: 'v4', labels, ips: ['10.244.0.2'] }),
    pod({ name: 'v6', labels, ips: ['fd00:10:244::3'] }),
  ];

  it('splits a dual-stack service into one slice per family', () => {
    const dual = service({ name: 'web', clusterIPs: ['10.96.0.20', 'fd00:10:96::20'] });
    const slices = slicesOf(computeEndpointSlices(state({ services: [dual], pods })), 'web');
    expect(slices.map((s) => s.addressType)).toEqual(['IPv4', 'IPv6']);
    expect(slices[0]?.endpoints.map((e) => e.addresses)).toEqual([['10.244.0.1'], ['10.244.0.2']]);
    expect(slices[1]?.endpoints.map((e) => e.addresses)).toEqual([['fd00:10:244::1'], ['fd00:10:244::3']]);
  });

  it('keeps a single-stack service to the family of its cluster IP', () => {
    const v6 = service({ name: 'web', clusterIPs: ['fd00:10:96::20'] });
    const slices = slicesOf(computeEndpointSlices(state({ services: [v6], pods })), 'web');
    expect(slices.map((s) => s.addressType)).toEqual(['IPv6']);
    expect(podNames(slices)).toEqual(['dual', 'v6']);
  });

  it('serves both families for a headless service, with an empty placeholder where a family has no endpoints', () => {
    const headless = service({ name: 'web', headless: true, clusterIPs: [] });
    const onlyV4 = [pod({ name: 'v4', labels, ips: ['10.244.0.2'] })];
    const slices = slicesOf(computeEndpointSlices(state({ services: [headless], pods: onlyV4 })), 'web');
    expect(slices.map((s) => [s.addressType, s.endpoints.length, s.ports.length])).toEqual([
      ['IPv4', 1, 1],
      ['IPv6', 0, 0],
    ]);
  });

  it('leaves one empty placeholder slice when no pod matches', () => {
    const slices = slicesOf(computeEndpointSlices(state({ services: [web], pods: [] })), 'web');
    expect(slices).toHaveLength(1);
    expect(slices[0]).toMatchObject({ addressType: 'IPv4', endpoints: [], ports: [] });
  });
});

describe('computeEndpointSlices: slice size', () => {
  const many = Array.from({ length: 250 }, (_, i) =>
    pod({ name: `p-${String(i).padStart(3, '0')}`, labels: { app: 'web' }, ips: [`10.244.${i >> 8}.${i & 255}`] }),
  );

  it('puts at most 100 endpoints in a slice: 250 pods make slices of 100, 100 and 50', () => {
    const slices = slicesOf(computeEndpointSlices(state({ services: [web], pods: many })), 'web');
    expect(slices.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
    expect(podNames(slices)).toEqual(many.map((p) => p.name));
    expect(new Set(slices.map((s) => s.name)).size).toBe(3);
  });

  it('honours maxEndpointsPerSlice and refuses values Kubernetes refuses', () => {
    const slices = slicesOf(computeEndpointSlices(state({ services: [web], pods: many }), { maxEndpointsPerSlice: 40 }), 'web');
    expect(slices.map((s) => s.endpoints.length)).toEqual([40, 40, 40, 40, 40, 40, 10]);
    expect(() => computeEndpointSlices(state({}), { maxEndpointsPerSlice: 0 })).toThrow(ControllerConfigError);
    expect(() => computeEndpointSlices(state({}), { maxEndpointsPerSlice: 1001 })).toThrow(/maxEndpointsPerSlice/);
  });
});

describe('computeEndpointSlices: metadata', () => {
  it('labels slices like the EndpointSlice controller, copying the service labels but not reserved ones', () => {
    const svc = service({
      name: 'web',
      labels: { team: 'a', [SERVICE_NAME_LABEL]: 'spoof', [MANAGED_BY_LABEL]: 'me', [HEADLESS_LABEL]: 'x' },
    });
    const [s] = slicesOf(computeEndpointSlices(state({ services: [svc] })), 'web');
    expect(s?.labels).toEqual({ team: 'a', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME });
    expect(s).toMatchObject({ namespace: 'default', serviceName: 'web' });
    expect(s).not.toHaveProperty('lastChangeTriggerTime');
  });

  it('adds the headless label to slices of services without a cluster IP', () => {
    const headless = service({ name: 'web', headless: true, clusterIPs: [] });
    const [s] = slicesOf(computeEndpointSlices(state({ services: [headless] })), 'web');
    expect(s?.labels[HEADLESS_LABEL]).toBe('');
  });

  it('names slices <service>-<5 chars>, stably, and never twice in a namespace', () => {
    const pods = Array.from({ length: 30 }, (_, i) => pod({ name: `p${i}`, labels: { app: 'web' }, ips: [`10.244.0.${i + 1}`] }));
    const long = service({ name: 'a'.repeat(63), selector: { app: 'web' } });
    const input = state({ services: [web, long], pods });
    const first = computeEndpointSlices(input, { maxEndpointsPerSlice: 3 }).state.endpointSlices;
    const second = computeEndpointSlices(input, { maxEndpointsPerSlice: 3 }).state.endpointSlices;
    expect(second.map((s) => s.name)).toEqual(first.map((s) => s.name));
    expect(new Set(first.map((s) => s.name)).size).toBe(first.length);
    for (const s of first) {
      const prefix = s.serviceName === 'web' ? 'web-' : 'a'.repeat(58);
      expect(s.name.startsWith(prefix) && s.name.length === prefix.length + 5).toBe(true);
      expect(s.name.slice(prefix.length)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    }
  });

  it('gives the same output whatever the order of services and pods', () => {
    const services = [web, service({ name: 'api', selector: { app: 'api' } }), service({ name: 'db', namespace: 'data', selector: { app: 'db' } })];
    const pods = ['web', 'api', 'db'].flatMap((app, a) =>
      Array.from({ length: 7 }, (_, i) =>
        pod({ name: `${app}-${i}`, namespace: app === 'db' ? 'data' : 'default', labels: { app }, ips: [`10.244.${a}.${i + 1}`] }),
      ),
    );
    const ordered = computeEndpointSlices(state({ services, pods }), { maxEndpointsPerSlice: 3 });
    const shuffled = computeEndpointSlices(
      state({ services: reversedInterleave(services), pods: reversedInterleave(pods) }),
      { maxEndpointsPerSlice: 3 },
    );
    expect(shuffled.state.endpointSlices).toEqual(ordered.state.endpointSlices);
  });

  it('does not reuse the name of a slice it keeps', () => {
    const probe = computeEndpointSlices(state({ services: [web] })).state.endpointSlices[0]!;
    const squatter = slice({ name: probe.name, serviceName: 'manual' });
    const result = computeEndpointSlices(state({ services: [web], endpointSlices: [squatter] }));
    const names = result.state.endpointSlices.map((s) => s.name);
    expect(new Set(names).size).toBe(2);
    expect(result.state.endpointSlices).toContain(squatter);
  });
});

describe('computeEndpointSlices: slices it does not own', () => {
  const given = slice({
    name: 'manual',
    serviceName: 'ext',
    endpoints: [{ addresses: ['192.0.2.1'], conditions: { ready: true, serving: true, terminating: false } }],
  });

  it('keeps the slices of selector-less, empty-selector and ExternalName services untouched', () => {
    const pods = [pod({ name: 'p', labels: { app: 'ext' } })];
    for (const svc of [
      service({ name: 'ext', selector: null }),
      service({ name: 'ext', selector: {} }),
      service({ name: 'ext', type: 'ExternalName', clusterIPs: [], externalName: 'example.com', selector: { app: 'ext' } }),
    ]) {
      const result = computeEndpointSlices(state({ services: [svc], pods, endpointSlices: [given] }));
      expect(result.state.endpointSlices).toEqual([given]);
      expect(result.warnings).toEqual([]);
    }
  });

  it('replaces the given slices of a selector service, naming each in a warning', () => {
    const stale = slice({ name: 'web-stale', serviceName: 'web' });
    const otherNamespace = slice({ name: 'web-elsewhere', serviceName: 'web', namespace: 'other' });
    const result = computeEndpointSlices(
      state({ services: [web], pods: [pod({ name: 'p', labels: { app: 'web' } })], endpointSlices: [stale, given, otherNamespace] }),
    );
    expect(result.state.endpointSlices.map((s) => s.name)).not.toContain('web-stale');
    expect(result.state.endpointSlices).toContain(given);
    expect(result.state.endpointSlices).toContain(otherNamespace);
    expect(result.warnings).toEqual([
      expect.objectContaining({ code: 'slice-replaced', kind: 'EndpointSlice', namespace: 'default', name: 'web-stale' }),
    ]);
    expect(result.warnings[0]?.message).toContain('default/web-stale');
  });

  it('leaves the rest of the state alone', () => {
    const input = state({ services: [web], pods: [pod({ name: 'p' })], namespaces: [{ name: 'default', labels: {} }] });
    const output = computeEndpointSlices(input).state;
    expect(output.services).toBe(input.services);
    expect(output.pods).toBe(input.pods);
    expect(output.namespaces).toBe(input.namespaces);
  });
});
