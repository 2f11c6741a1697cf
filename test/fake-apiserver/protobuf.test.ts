import { describe, expect, it } from 'vitest';
import { FULL_RETENTION, toEndpointSlice, toNamespace, toPod, toService, type Retention } from '../../src/cluster/convert.ts';
import { FrameSplitter } from '../../src/cluster/kube/frames.ts';
import { decodeList, decodeObject, decodeWatchEvent } from '../../src/cluster/kube/protobuf/index.ts';
import { apiRetention } from '../../src/cluster/kube/resources.ts';
import { StringPool } from '../../src/cluster/strings.ts';
import type { ObjectKind } from '../../src/cluster/types.ts';
import { clusterObjects, type ClusterLayout } from '../../scripts/footprint/objects.ts';
import { encodeObject, listBody, negotiate, statusBody, watchEvent } from './encoding.ts';
import { endpointSliceObject, namespaceObject, podObject, serviceObject } from './fixtures.ts';
import { KINDS, STATUS_KIND, type KubeObject } from './objects.ts';
import { ProtobufEncodeError } from './proto-encoder.ts';
import { apiStatus } from './status.ts';

/**
 * The fake's protobuf encoder against the client's reader: whatever the fake stores must convert
 * to the same store object whether the client reads it as JSON or as protobuf.
 */

/** The built-in kinds: a ServiceImport, a custom resource, only ever travels as JSON. */
type BuiltInKind = Exclude<ObjectKind, 'serviceimport'>;

const CONVERT: Readonly<Record<BuiltInKind, (object: unknown, retention: Retention) => unknown>> = {
  service: toService,
  endpointslice: toEndpointSlice,
  pod: toPod,
  namespace: toNamespace,
};

/** Objects that set every field the reader decodes, in the variants convert.ts tells apart. */
const EVERY_FIELD: ReadonlyArray<{ kind: BuiltInKind; object: KubeObject }> = [
  {
    kind: 'service',
    object: {
      metadata: {
        name: 'api',
        namespace: 'shop',
        resourceVersion: '7',
        labels: { app: 'api', tier: 'web' },
        annotations: { note: 'é' },
        deletionTimestamp: '2025-02-03T04:05:06Z',
      },
      spec: {
        type: 'NodePort',
        clusterIP: '10.96.0.5',
        clusterIPs: ['10.96.0.5', 'fd00::5'],
        externalIPs: ['192.0.2.1'],
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 'web', nodePort: 30080 },
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 },
          { port: 9000 },
        ],
        selector: { app: 'api' },
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
        publishNotReadyAddresses: true,
      },
    },
  },
  { kind: 'service', object: { metadata: { name: 'db', namespace: 'shop' }, spec: { type: 'ExternalName', externalName: 'db.example.com.' } } },
  { kind: 'service', object: { metadata: { name: 'headless', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, targetPort: 'pg' }] } } },
  {
    kind: 'endpointslice',
    object: {
      metadata: { name: 'api-x1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'api' }, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2025-01-01T00:00:00Z' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.0.0.1'], conditions: {}, hostname: 'api-0', nodeName: 'node-a', zone: 'z1', targetRef: { kind: 'Pod', name: 'api-0' } },
        { addresses: ['10.0.0.2'], conditions: { ready: false, serving: true, terminating: true }, targetRef: { kind: 'Pod', namespace: 'other', name: 'api-1', uid: 'u-1' } },
        { addresses: ['10.0.0.3', '10.0.0.4'], conditions: { ready: true, serving: false, terminating: false } },
      ],
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }, { name: '', protocol: 'UDP', port: 53 }, { name: 'all' }],
    },
  },
  { kind: 'endpointslice', object: { metadata: { name: 'v6', namespace: 'shop' }, addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }], ports: [] } },
  {
    kind: 'pod',
    object: {
      metadata: { name: 'web-0', namespace: 'shop', labels: { app: 'web' }, deletionTimestamp: '2025-02-03T04:05:06Z' },
      spec: {
        hostname: 'web-0',
        subdomain: 'web',
        nodeName: 'node-a',
        initContainers: [
          { name: 'setup', image: 'busybox' },
          { name: 'proxy', restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 15001, protocol: 'TCP' }], readinessProbe: { tcpSocket: { port: 15001, host: '127.0.0.1' }, periodSeconds: 2 } },
        ],
        containers: [
          {
            name: 'app',
            ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http', host: 'localhost', scheme: 'HTTPS' }, initialDelaySeconds: 3, timeoutSeconds: 2, periodSeconds: 7, successThreshold: 1, failureThreshold: 5 },
          },
          { name: 'exec', readinessProbe: { exec: { command: ['cat', '/tmp/ready'] } } },
          { name: 'grpc', readinessProbe: { grpc: { port: 9090, service: 'health' } } },
        ],
      },
      status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.9' }, { ip: 'fd00::9' }], conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }] },
    },
  },
  { kind: 'pod', object: { metadata: { name: 'pending', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'app' }] }, status: { phase: 'Pending' } } },
  { kind: 'pod', object: { metadata: { name: 'old', namespace: 'shop' }, spec: { containers: [{ name: 'app' }] }, status: { podIP: '10.0.0.10' } } },
  { kind: 'namespace', object: { metadata: { name: 'shop', labels: { team: 'a' } } } },
];

const FIXTURES: ReadonlyArray<{ kind: ObjectKind; object: KubeObject }> = [
  { kind: 'service', object: serviceObject('default', 'web', { labels: { app: 'web' } }) },
  { kind: 'endpointslice', object: endpointSliceObject('default', 'web', 'web-abc', ['10.0.0.1', '10.0.0.2']) },
  { kind: 'pod', object: podObject('default', 'web-0', '10.0.0.1', { labels: { app: 'web' } }) },
  { kind: 'namespace', object: namespaceObject('default') },
];

const FOOTPRINT_LAYOUT: ClusterLayout = { services: 40, endpointsPerService: 5, pods: 200, namespaces: 5, seed: 1 };

/** The object as the fake stores it: apiVersion and kind, a resourceVersion. */
function stored(kind: ObjectKind, object: KubeObject): KubeObject {
  const info = KINDS[kind];
  return { ...object, apiVersion: info.apiVersion, kind: info.kind, metadata: { resourceVersion: '42', ...object.metadata } };
}

function retentions(): Retention[] {
  return [
    { ...FULL_RETENTION, strings: new StringPool() },
    apiRetention({ labelSelector: 'app', endpointPodNames: true }),
    apiRetention({}),
  ];
}

function convertBoth(kind: BuiltInKind, object: KubeObject): { json: unknown[]; protobuf: unknown[] } {
  const encoded = encodeObject(KINDS[kind], stored(kind, object), true);
  const fromJson = JSON.parse(encoded.json.toString('utf8')) as unknown;
  const items: unknown[] = [];
  decodeList(Buffer.concat(listBody('protobuf', KINDS[kind], { resourceVersion: '42' }, [encoded])), (item) => items.push(item));
  const fromProtobuf = items[0];
  const attempt = (item: unknown, retention: Retention): unknown => {
    try {
      return CONVERT[kind](item, retention);
    } catch (error) {
      return { error: String(error) };
    }
  };
  return { json: retentions().map((r) => attempt(fromJson, r)), protobuf: retentions().map((r) => attempt(fromProtobuf, r)) };
}

describe('protobuf round trip: fake encoder, client reader, convert.ts', () => {
  it.each(EVERY_FIELD.map((entry) => [`${entry.kind} ${entry.object.metadata.name}`, entry] as const))('%s converts as its JSON does', (_name, { kind, object }) => {
    const { json, protobuf } = convertBoth(kind, object);
    expect(protobuf).toEqual(json);
    expect(json.some((converted) => (converted as { error?: string }).error !== undefined)).toBe(false);
  });

  const builtIn = FIXTURES.filter((entry): entry is (typeof FIXTURES)[number] & { kind: BuiltInKind } => entry.kind !== 'serviceimport');
  it.each(builtIn.map((entry) => [entry.kind, entry] as const))('the test fixtures: %s', (_kind, { kind, object }) => {
    const { json, protobuf } = convertBoth(kind, object);
    expect(protobuf).toEqual(json);
  });

  it('every object of the footprint cluster, as real-sized protobuf', () => {
    const sizes: Record<string, { json: number; protobuf: number; count: number }> = {};
    for (const { kind, object } of clusterObjects(FOOTPRINT_LAYOUT)) {
      const { json, protobuf } = convertBoth(kind, object);
      expect(protobuf).toEqual(json);
      const encoded = encodeObject(KINDS[kind], stored(kind, object), true);
      const size = (sizes[kind] ??= { json: 0, protobuf: 0, count: 0 });
      size.json += encoded.json.length;
      size.protobuf += encoded.protobuf!.message.length;
      size.count++;
    }
    // managedFields and the full spec are on the wire: a pod is kilobytes, not the few hundred bytes DNS reads.
    expect(sizes['pod']!.protobuf / sizes['pod']!.count).toBeGreaterThan(5000);
    expect(sizes['pod']!.protobuf).toBeLessThan(sizes['pod']!.json);
    expect(sizes['service']!.protobuf / sizes['service']!.count).toBeGreaterThan(1500);
  });

  it('an object the fake JSON-only path would convert as invalid converts as invalid from protobuf too', () => {
    const { json, protobuf } = convertBoth('service', { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: 'not-an-ip' } });
    expect(protobuf).toEqual(json);
    expect(json[0]).toMatchObject({ error: expect.stringContaining('spec.clusterIP') });
  });
});

describe('protobuf watch events', () => {
  function framesOf(stream: Buffer, chunkSize: number): Buffer[] {
    const splitter = new FrameSplitter('/api/v1/pods');
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i += chunkSize) splitter.push(stream.subarray(i, i + chunkSize), (frame) => frames.push(Buffer.from(frame)));
    return frames;
  }

  it('carry objects with apiVersion and kind, bookmarks with a resourceVersion, errors as a Status', () => {
    const pod = encodeObject(KINDS.pod, stored('pod', podObject('default', 'web-0', '10.0.0.1')), true);
    const bookmark = encodeObject(KINDS.pod, { metadata: { resourceVersion: '99' } }, true);
    const status = encodeObject(STATUS_KIND, { ...apiStatus(410, 'too old resource version') }, true);
    const stream = Buffer.concat([
      watchEvent('protobuf', 'ADDED', KINDS.pod, pod),
      watchEvent('protobuf', 'BOOKMARK', KINDS.pod, bookmark),
      watchEvent('protobuf', 'ERROR', STATUS_KIND, status),
    ]);
    for (const chunkSize of [1, 3, 7, 64, stream.length]) {
      const events = framesOf(stream, chunkSize).map(decodeWatchEvent);
      expect(events.map((event) => event.type)).toEqual(['ADDED', 'BOOKMARK', 'ERROR']);
      expect(events[0]?.object).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'default', resourceVersion: '42' } });
      expect(events[1]?.object).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '99' }, spec: {}, status: {} });
      expect(events[2]?.object).toEqual({ apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 });
    }
  });

  it('error bodies decode as a Status', () => {
    expect(decodeObject(Buffer.concat(statusBody('protobuf', { ...apiStatus(401, 'Unauthorized') })))).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
  });
});

describe('the fake encoder', () => {
  it('refuses a field its schema does not know, naming it', () => {
    const pod = podObject('default', 'web-0', '10.0.0.1');
    const withUnknown = { ...pod, spec: { ...(pod['spec'] as object), overhead: { cpu: '10m' } } };
    expect(() => encodeObject(KINDS.pod, withUnknown, true)).toThrow(ProtobufEncodeError);
    expect(() => encodeObject(KINDS.pod, withUnknown, true)).toThrow(/Pod\.spec\.overhead.*PodSpec/);
  });

  it('refuses a value of the wrong type', () => {
    expect(() => encodeObject(KINDS.service, { metadata: { name: 'web' }, spec: { ports: [{ port: '80' }] } }, true)).toThrow(/Service\.spec\.ports\[0\]\.port: must be an integer/);
  });

  it('encodes only JSON when protobuf is off, whatever the object holds', () => {
    expect(encodeObject(KINDS.pod, { metadata: { name: 'x' }, anything: 1 }, false).protobuf).toBeUndefined();
  });
});

describe('content negotiation', () => {
  it.each([
    ['application/vnd.kubernetes.protobuf, application/json', true, 'protobuf'],
    ['application/vnd.kubernetes.protobuf, application/json', false, 'json'],
    ['application/json, application/vnd.kubernetes.protobuf', true, 'json'],
    ['application/json;q=0.5, application/vnd.kubernetes.protobuf', true, 'protobuf'],
    ['application/vnd.kubernetes.protobuf;q=0, */*', true, 'json'],
    [undefined, true, 'json'],
    ['text/html', true, 'json'],
  ] as const)('%s (protobuf %s) answers %s', (accept, protobuf, format) => {
    expect(negotiate(accept, protobuf)).toBe(format);
  });
});
