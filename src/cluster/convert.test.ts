import { describe, expect, it } from 'vitest';
import { thrownBy } from '../test-support/errors.ts';
import {
  FULL_RETENTION,
  ObjectError,
  canonicalIP,
  convertObject,
  objectKind,
  toEndpointSlice,
  toNamespace,
  toPod,
  toService,
  type Retention,
} from './convert.ts';
import { ListPool, StringPool } from './strings.ts';

function service(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'web' }): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata, spec };
}

function slice(body: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'web-abc' }): unknown {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata, addressType: 'IPv4', ...body };
}

function pod(spec: Record<string, unknown>, status: Record<string, unknown> = {}, metadata: Record<string, unknown> = { name: 'p' }): unknown {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec, status };
}

const objectError = (run: () => unknown): ObjectError => thrownBy(ObjectError, run);

describe('objectKind', () => {
  it('knows the four store kinds by apiVersion and kind', () => {
    expect(objectKind({ apiVersion: 'v1', kind: 'Service' })).toBe('service');
    expect(objectKind({ apiVersion: 'v1', kind: 'Pod' })).toBe('pod');
    expect(objectKind({ apiVersion: 'v1', kind: 'Namespace' })).toBe('namespace');
    expect(objectKind({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' })).toBe('endpointslice');
  });

  it('ignores other kinds, other versions and non-objects', () => {
    expect(objectKind({ apiVersion: 'apps/v1', kind: 'Deployment' })).toBeNull();
    expect(objectKind({ apiVersion: 'v1', kind: 'ConfigMap' })).toBeNull();
    expect(objectKind({ apiVersion: 'discovery.k8s.io/v1beta1', kind: 'EndpointSlice' })).toBeNull();
    expect(objectKind({ apiVersion: 'v1', kind: 'Endpoints' })).toBeNull();
    expect(objectKind(null)).toBeNull();
    expect(objectKind([])).toBeNull();
  });

  it('convertObject dispatches on the kind and skips the rest', () => {
    expect(convertObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })).toEqual({
      kind: 'namespace',
      object: { name: 'x', labels: {} },
    });
    expect(convertObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).toBeNull();
  });
});

describe('toService', () => {
  it("keeps the load balancer's ingress points: an IP, else a lower-cased hostname", () => {
    const withStatus = { ...(service({ type: 'LoadBalancer', clusterIP: '10.96.0.5', ports: [{ port: 80 }] }) as object), status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'LB.example.com' }, {}] } } };
    expect(toService(withStatus).loadBalancerIngress).toEqual(['203.0.113.7', 'lb.example.com']);
    expect(() => toService({ ...(withStatus as object), status: { loadBalancer: { ingress: [{ ip: 'nope' }] } } })).toThrow(/status\.loadBalancer\.ingress\[0\]\.ip/);
  });

  it('applies the API defaults', () => {
    const converted = toService(service({ clusterIP: '10.96.0.5', ports: [{ port: 80 }], selector: { app: 'web' } }));
    expect(converted).toEqual({
      namespace: 'default',
      name: 'web',
      type: 'ClusterIP',
      clusterIPs: ['10.96.0.5'],
      headless: false,
      externalIPs: [],
      loadBalancerIngress: [],
      ports: [{ name: '', protocol: 'TCP', port: 80 }],
      selector: { app: 'web' },
      publishNotReadyAddresses: false,
      sessionAffinity: 'None',
      sessionAffinityTimeoutSeconds: 10800,
      labels: {},
    });
  });

  it('prefers clusterIPs over clusterIP and canonicalizes IPv6', () => {
    const converted = toService(service({ clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'FD00:10:96:0:0:0:0:5'] }));
    expect(converted.clusterIPs).toEqual(['10.96.0.5', 'fd00:10:96::5']);
  });

  it('marks clusterIP None as headless with no addresses', () => {
    expect(toService(service({ clusterIP: 'None' }))).toMatchObject({ headless: true, clusterIPs: [] });
    expect(toService(service({ clusterIPs: ['None'] }))).toMatchObject({ headless: true, clusterIPs: [] });
    expect(toService(service({}))).toMatchObject({ headless: false, clusterIPs: [] });
  });

  it('keeps named ports, target ports and node ports', () => {
    const converted = toService(
      service({
        type: 'NodePort',
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' },
          { name: 'metrics', port: 9153, targetPort: '9153', nodePort: 30053 },
        ],
      }),
    );
    expect(converted.type).toBe('NodePort');
    expect(converted.ports).toEqual([
      { name: 'dns', protocol: 'UDP', port: 53, targetPort: 'dns' },
      { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9153, nodePort: 30053 },
    ]);
  });

  it('normalizes an ExternalName target and drops cluster addresses', () => {
    const converted = toService(service({ type: 'ExternalName', externalName: 'DB.Example.COM.', clusterIP: '10.0.0.1' }));
    expect(converted).toMatchObject({ type: 'ExternalName', externalName: 'db.example.com', clusterIPs: [], headless: false });
  });

  it('reads session affinity and treats an empty selector as none', () => {
    const converted = toService(
      service({ selector: {}, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
    );
    expect(converted).toMatchObject({ selector: null, sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 60 });
  });

  it('keeps the namespace and labels it was given', () => {
    const converted = toService(service({}, { name: 'api', namespace: 'shop', labels: { tier: 'backend' } }));
    expect(converted).toMatchObject({ namespace: 'shop', name: 'api', labels: { tier: 'backend' } });
  });

  it('names the object and the field of an invalid one', () => {
    const badIP = objectError(() => toService(service({ clusterIPs: ['10.96.0.5', '10.96.0.300'] }, { name: 'web', namespace: 'shop' })));
    expect(badIP).toMatchObject({ kind: 'Service', namespace: 'shop', objectName: 'web', field: 'spec.clusterIPs[1]' });
    expect(badIP.message).toContain('Service shop/web: spec.clusterIPs[1]');

    expect(objectError(() => toService(service({}, {}))).field).toBe('metadata.name');
    expect(objectError(() => toService(service({}, { name: 'Web' }))).field).toBe('metadata.name');
    expect(objectError(() => toService(service({ ports: [{ port: 'http' }] }))).field).toBe('spec.ports[0].port');
    expect(objectError(() => toService(service({ ports: [{ port: 70000 }] }))).field).toBe('spec.ports[0].port');
    expect(objectError(() => toService(service({ ports: [{ port: 80, protocol: 'ICMP' }] }))).field).toBe('spec.ports[0].protocol');
    expect(objectError(() => toService(service({ type: 'Magic' }))).field).toBe('spec.type');
    expect(objectError(() => toService(service({ selector: { app: true } }))).field).toBe('spec.selector.app');
    expect(objectError(() => toService(service({ type: 'ExternalName' }))).field).toBe('spec.externalName');
    expect(objectError(() => toService(service({ ports: 80 }))).field).toBe('spec.ports');
    expect(objectError(() => toService('nope')).kind).toBe('Service');
  });
});

describe('toEndpointSlice', () => {
  it('defaults conditions as the API says: missing ready is ready, serving follows ready', () => {
    const converted = toEndpointSlice(
      slice(
        {
          endpoints: [
            { addresses: ['10.244.1.5'] },
            { addresses: ['10.244.1.6'], conditions: { ready: false } },
            { addresses: ['10.244.1.7'], conditions: { ready: false, serving: true, terminating: true } },
          ],
          ports: [{ port: 9376 }],
        },
        { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
      ),
    );
    expect(converted.serviceName).toBe('web');
    expect(converted.namespace).toBe('default');
    expect(converted.endpoints.map((e) => e.conditions)).toEqual([
      { ready: true, serving: true, terminating: false },
      { ready: false, serving: false, terminating: false },
      { ready: false, serving: true, terminating: true },
    ]);
    expect(converted.ports).toEqual([{ name: '', protocol: 'TCP', port: 9376 }]);
  });

  it('keeps hostname, node, zone and target reference (defaulting its namespace)', () => {
    const converted = toEndpointSlice(
      slice(
        {
          endpoints: [
            { addresses: ['10.244.2.3'], hostname: 'web-0', nodeName: 'node-a', zone: 'z1', targetRef: { kind: 'Pod', name: 'web-0' } },
          ],
        },
        { name: 'web-abc', namespace: 'shop' },
      ),
    );
    expect(converted.serviceName).toBe('');
    expect(converted.endpoints[0]).toEqual({
      addresses: ['10.244.2.3'],
      conditions: { ready: true, serving: true, terminating: false },
      hostname: 'web-0',
      nodeName: 'node-a',
      zone: 'z1',
      targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-0' },
    });
  });

  it('parses the trigger-time annotation to milliseconds', () => {
    const annotations = { 'endpoints.kubernetes.io/last-change-trigger-time': '2024-05-01T12:00:00Z' };
    const converted = toEndpointSlice(slice({}, { name: 's', annotations }));
    expect(converted.lastChangeTriggerTime).toBe(Date.UTC(2024, 4, 1, 12));
    expect('lastChangeTriggerTime' in toEndpointSlice(slice({}))).toBe(false);
  });

  it('checks addresses against the address type and canonicalizes IPv6', () => {
    const v6 = toEndpointSlice(slice({ addressType: 'IPv6', endpoints: [{ addresses: ['FD00:10:244:0:0:0:0:7'] }] }));
    expect(v6.endpoints[0]?.addresses).toEqual(['fd00:10:244::7']);
    const mismatch = objectError(() => toEndpointSlice(slice({ addressType: 'IPv6', endpoints: [{ addresses: ['10.0.0.1'] }] })));
    expect(mismatch.field).toBe('endpoints[0].addresses[0]');
  });

  it('drops ports without a number, which the store cannot express', () => {
    const converted = toEndpointSlice(slice({ ports: [{ name: 'all' }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
    expect(converted.ports).toEqual([{ name: 'dns', protocol: 'UDP', port: 53 }]);
  });

  it('rejects invalid slices naming the field', () => {
    expect(objectError(() => toEndpointSlice(slice({ addressType: undefined }))).field).toBe('addressType');
    expect(objectError(() => toEndpointSlice(slice({ endpoints: [{ addresses: [] }] }))).field).toBe('endpoints[0].addresses');
    expect(objectError(() => toEndpointSlice(slice({ endpoints: [{ addresses: ['x'], conditions: { ready: 'yes' } }] }))).field).toBe(
      'endpoints[0].addresses[0]',
    );
    expect(
      objectError(() => toEndpointSlice(slice({ endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: 'yes' } }] }))).field,
    ).toBe('endpoints[0].conditions.ready');
    expect(objectError(() => toEndpointSlice(slice({ endpoints: [{ addresses: ['10.0.0.1'], hostname: 'A_b' }] }))).field).toBe(
      'endpoints[0].hostname',
    );
  });
});

describe('toPod', () => {
  it('reads addresses, readiness, DNS identity and container ports', () => {
    const converted = toPod(
      pod(
        {
          hostname: 'web-0',
          subdomain: 'web',
          nodeName: 'node-a',
          containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 9376 }, { containerPort: 53, protocol: 'UDP' }] }],
        },
        {
          phase: 'Running',
          podIP: '10.244.1.5',
          podIPs: [{ ip: '10.244.1.5' }, { ip: 'fd00:10:244:1::5' }],
          conditions: [
            { type: 'PodScheduled', status: 'True' },
            { type: 'Ready', status: 'True' },
          ],
        },
        { name: 'web-0', namespace: 'shop', labels: { app: 'web' } },
      ),
    );
    expect(converted).toEqual({
      namespace: 'shop',
      name: 'web-0',
      ips: ['10.244.1.5', 'fd00:10:244:1::5'],
      labels: { app: 'web' },
      hostname: 'web-0',
      subdomain: 'web',
      nodeName: 'node-a',
      phase: 'Running',
      ready: true,
      terminating: false,
      containerPorts: [
        { name: 'http', containerPort: 9376, protocol: 'TCP' },
        { containerPort: 53, protocol: 'UDP' },
      ],
    });
  });

  it('falls back to podIP, defaults phase Pending and not ready, and sees deletion as terminating', () => {
    const converted = toPod(
      pod({}, { podIP: '10.244.1.9', conditions: [{ type: 'Ready', status: 'False' }] }, { name: 'p', deletionTimestamp: '2024-01-01T00:00:00Z' }),
    );
    expect(converted).toMatchObject({ ips: ['10.244.1.9'], phase: 'Pending', ready: false, terminating: true });
    expect(toPod(pod({}, {}))).toMatchObject({ ips: [], ready: false });
  });

  it('takes the first readiness probe with Kubernetes defaults', () => {
    const converted = toPod(
      pod({
        containers: [{ name: 'a' }, { name: 'b', readinessProbe: { httpGet: { port: 'http' } } }, { name: 'c', readinessProbe: { exec: { command: ['true'] } } }],
      }),
    );
    expect(converted.readinessProbe).toEqual({
      action: { kind: 'httpGet', port: 'http', path: '/', scheme: 'HTTP' },
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });

  it('keeps explicit probe settings and tcp/exec actions', () => {
    const tcp = toPod(pod({ containers: [{ readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2, failureThreshold: 1 } }] }));
    expect(tcp.readinessProbe).toMatchObject({ action: { kind: 'tcpSocket', port: 8080 }, periodSeconds: 2, failureThreshold: 1 });
    const exec = toPod(pod({ containers: [{ readinessProbe: { exec: { command: ['cat', '/ready'] }, initialDelaySeconds: 5 } }] }));
    expect(exec.readinessProbe).toMatchObject({ action: { kind: 'exec', command: ['cat', '/ready'] }, initialDelaySeconds: 5 });
  });

  it('counts sidecar ports but not ordinary init containers', () => {
    const converted = toPod(
      pod({
        initContainers: [
          { name: 'setup', ports: [{ containerPort: 1 }] },
          { name: 'proxy', restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 15001 }] },
        ],
        containers: [{ name: 'app', ports: [{ containerPort: 80 }] }],
      }),
    );
    expect(converted.containerPorts.map((p) => p.containerPort)).toEqual([15001, 80]);
  });

  it('rejects invalid pods naming the field', () => {
    expect(objectError(() => toPod(pod({}, { podIPs: [{ ip: '10.244.1' }] }))).field).toBe('status.podIPs[0].ip');
    expect(objectError(() => toPod(pod({}, { phase: 'Sleeping' }))).field).toBe('status.phase');
    expect(objectError(() => toPod(pod({ containers: [{ ports: [{}] }] }))).field).toBe('spec.containers[0].ports[0].containerPort');
    expect(objectError(() => toPod(pod({ containers: [{ readinessProbe: { periodSeconds: 3 } }] }))).field).toBe(
      'spec.containers[0].readinessProbe',
    );
    expect(objectError(() => toPod(pod({ hostname: 'Web_0' }))).field).toBe('spec.hostname');
  });
});

describe('toNamespace', () => {
  it('keeps the name and labels and ignores metadata.namespace', () => {
    expect(toNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { a: 'b' } } })).toEqual({
      name: 'kube-system',
      labels: { a: 'b' },
    });
  });

  it('requires a name', () => {
    expect(objectError(() => toNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: {} }))).toMatchObject({
      kind: 'Namespace',
      field: 'metadata.name',
    });
  });
});

describe('what the API source keeps', () => {
  const answersOnly: Retention = { labels: false, workloads: false, targetRefs: false, strings: new StringPool(), lists: new ListPool() };
  const container = { name: 'app', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 8080 } } };

  it('drops the labels and workload details that only the self-contained mode reads', () => {
    const converted = toPod(pod({ nodeName: 'node-1', containers: [container] }, { podIP: '10.0.0.1' }, { name: 'p', labels: { app: 'web' } }), answersOnly);
    expect(converted).toEqual({ namespace: 'default', name: 'p', ips: ['10.0.0.1'], labels: {}, phase: 'Pending', ready: false, terminating: false, containerPorts: [] });
    const convertedService = toService(service({ ports: [{ port: 80 }], selector: { app: 'web' } }, { name: 'web', labels: { app: 'web' } }), answersOnly);
    expect(convertedService.labels).toEqual({});
    expect(convertedService.selector).toBeNull();
    const endpoints = [{ addresses: ['10.0.0.1'], nodeName: 'node-1', zone: 'a', targetRef: { kind: 'Pod', name: 'web-1' } }];
    const convertedSlice = toEndpointSlice(slice({ endpoints }, { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } }), answersOnly);
    expect(convertedSlice.labels).toEqual({});
    expect(convertedSlice.serviceName).toBe('web');
    expect(convertedSlice.endpoints[0]).toEqual({ addresses: ['10.0.0.1'], conditions: { ready: true, serving: true, terminating: false }, zone: 'a' });
  });

  it('keeps target references when `endpoint_pod_names` names endpoints after them', () => {
    const endpoints = [{ addresses: ['10.0.0.1'], targetRef: { kind: 'Pod', name: 'web-1' } }];
    const [endpoint] = toEndpointSlice(slice({ endpoints }), { ...answersOnly, targetRefs: true }).endpoints;
    expect(endpoint!.targetRef).toEqual({ kind: 'Pod', namespace: 'default', name: 'web-1' });
  });

  it('keeps labels when the `labels` option filters by them', () => {
    const converted = toService(service({ ports: [{ port: 80 }] }, { name: 'web', labels: { app: 'web' } }), { ...answersOnly, labels: true });
    expect(converted.labels).toEqual({ app: 'web' });
  });

  it('shares one conditions object per combination between endpoints', () => {
    const endpoints = [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'], conditions: { ready: true } }, { addresses: ['10.0.0.3'], conditions: { ready: false } }];
    const [first, second, third] = toEndpointSlice(slice({ endpoints }), answersOnly).endpoints;
    expect(first!.conditions).toBe(second!.conditions);
    expect(third!.conditions).toEqual({ ready: false, serving: false, terminating: false });
    expect(Object.isFrozen(first!.conditions)).toBe(true);
  });
});

describe('shared port lists', () => {
  it('gives services with equal ports one frozen list, and keeps a slice\'s list apart from a service\'s', () => {
    const retention: Retention = { ...FULL_RETENTION, lists: new ListPool() };
    const ports = [{ name: 'http', port: 80, targetPort: 8080 }];
    const first = toService(service({ ports }, { name: 'a' }), retention);
    const second = toService(service({ ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, { name: 'b' }), retention);
    const other = toService(service({ ports: [{ name: 'http', port: 80, targetPort: 9090 }] }, { name: 'c' }), retention);
    expect(second.ports).toBe(first.ports);
    expect(other.ports).not.toBe(first.ports);
    expect(other.ports[0]!.targetPort).toBe(9090);
    expect(Object.isFrozen(first.ports)).toBe(true);
    const slicePorts = toEndpointSlice(slice({ endpoints: [], ports: [{ name: 'http', port: 80 }] }), retention).ports;
    expect(slicePorts).not.toBe(first.ports);
    expect(toEndpointSlice(slice({ endpoints: [], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }, { name: 'other' }), retention).ports).toBe(slicePorts);
  });
});

describe('ListPool', () => {
  it('starts over when full', () => {
    const pool = new ListPool(1);
    const a = pool.share('a', [1]);
    expect(pool.share('a', [1])).toBe(a);
    pool.share('b', [2]);
    expect(pool.size).toBe(1);
    expect(pool.share('a', [1])).not.toBe(a);
  });
});

describe('StringPool', () => {
  it('holds each distinct value once and starts over when full', () => {
    const pool = new StringPool(2);
    expect(pool.intern('a')).toBe('a');
    pool.intern('a');
    expect(pool.size).toBe(1);
    pool.intern('b');
    expect(pool.size).toBe(2);
    pool.intern('c');
    expect(pool.size).toBe(1);
  });
});

describe('canonicalIP', () => {
  it('gives one spelling per address and refuses what is not one', () => {
    expect(canonicalIP('10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalIP('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIP('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(canonicalIP('010.0.0.1')).toBeNull();
    expect(canonicalIP('fe80::1%eth0')).toBeNull();
    expect(canonicalIP('example.com')).toBeNull();
  });
});

describe('the Multi-Cluster Services API', () => {
  it('reads a ServiceImport, and the ServiceImport and source cluster of a clusterset slice', () => {
    const serviceImport = {
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name: 'db', namespace: 'shop' },
      spec: { type: 'ClusterSetIP', ips: ['10.42.0.1'], ports: [{ name: 'sql', protocol: 'TCP', port: 5432 }] },
    };
    expect(convertObject(serviceImport)).toEqual({
      kind: 'serviceimport',
      object: { namespace: 'shop', name: 'db', type: 'ClusterSetIP', ips: ['10.42.0.1'], ports: [{ name: 'sql', protocol: 'TCP', port: 5432 }] },
    });
    const labels = { 'multicluster.kubernetes.io/service-name': 'db', 'multicluster.kubernetes.io/source-cluster': 'east' };
    expect(toEndpointSlice(slice({ endpoints: [] }, { name: 'db-east', namespace: 'shop', labels })).multiCluster).toEqual({ serviceName: 'db', clusterId: 'east' });
    expect(toEndpointSlice(slice({ endpoints: [] })).multiCluster).toBeUndefined();
  });
});

