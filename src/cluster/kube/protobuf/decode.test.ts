import { describe, expect, it } from 'vitest';
import { envelope, field, mapField, message } from '../../../test-support/protobuf.ts';
import { decodeList, decodeObject, decodeWatchEvent, ProtobufError, type ObjectJson } from './index.ts';

/**
 * Hand-built messages, field numbers as in k8s.io/api and k8s.io/apimachinery generated.proto,
 * with zero values where Go's marshalers write them and fields the reader must skip.
 */

/** ObjectMeta with what Go always writes: empty generateName/selfLink, generation 0, a creationTimestamp. */
function objectMeta(name: string, namespace: string, extra: Buffer[] = []): Buffer {
  return message(
    field(1, name),
    field(2, ''),
    field(3, namespace),
    field(4, ''),
    field(5, 'uid-1'),
    field(6, '42'),
    field(7, 0),
    field(8, message(field(1, 1736154000), field(2, 0))),
    ...extra,
    // managedFields (17): skipped by length, never decoded.
    field(17, message(field(1, 'kubectl'), field(7, message(field(1, '{"f:metadata":{}}'))))),
  );
}

/** IntOrString {type = 1, intVal = 2, strVal = 3}. */
const intPort = (port: number): Buffer => message(field(1, 0), field(2, port), field(3, ''));
const namedPort = (name: string): Buffer => message(field(1, 1), field(2, 0), field(3, name));

function list(kind: string, items: Buffer[], meta = message(field(1, ''), field(2, '1234'), field(3, 'next-page'))): Buffer {
  return envelope(kind === 'EndpointSliceList' ? 'discovery.k8s.io/v1' : 'v1', kind, message(field(1, meta), ...items.map((item) => field(2, item))));
}

function decodeItems(body: Buffer): { metadata: object; items: ObjectJson[] } {
  const items: ObjectJson[] = [];
  const metadata = decodeList(body, (item) => items.push(item));
  return { metadata, items };
}

const SERVICE = message(
  field(
    1,
    objectMeta('web', 'shop', [
      mapField(11, { app: 'web' }),
      mapField(12, { note: 'x' }),
      field(9, message(field(1, 1738555506), field(2, 0))), // deletionTimestamp
      field(13, message(field(1, 'Deployment'), field(3, 'web'))), // ownerReferences: skipped
    ]),
  ),
  field(
    2,
    message(
      field(1, message(field(1, 'http'), field(2, 'TCP'), field(3, 80), field(4, namedPort('web')), field(5, 30080))),
      field(1, message(field(1, ''), field(2, ''), field(3, 53), field(4, intPort(5353)), field(5, 0))),
      field(1, message(field(1, ''), field(2, 'UDP'), field(3, 9), field(4, intPort(0)), field(5, 0))),
      mapField(2, { app: 'web' }),
      field(3, '10.96.0.5'),
      field(4, 'NodePort'),
      field(5, '192.0.2.1'),
      field(7, 'ClientIP'),
      field(8, ''), // loadBalancerIP: skipped
      field(10, ''),
      field(13, false),
      field(14, message(field(1, message(field(1, 0))))), // sessionAffinityConfig.clientIP.timeoutSeconds: a pointer, 0 kept
      field(18, '10.96.0.5'),
      field(18, 'fd00::5'),
      field(99, 'a field from a newer API'),
    ),
  ),
  // status: the load balancer's ingress points, an IP and a hostname
  field(3, message(field(1, message(field(1, message(field(1, '203.0.113.7'))), field(1, message(field(2, 'LB.example.com'))))))),
);

describe('decodeList', () => {
  it('reads a ServiceList: list metadata, and each Service as its JSON would be', () => {
    const { metadata, items } = decodeItems(list('ServiceList', [SERVICE]));
    expect(metadata).toEqual({ resourceVersion: '1234', continue: 'next-page' });
    expect(items).toEqual([
      {
        metadata: { name: 'web', namespace: 'shop', resourceVersion: '42', labels: { app: 'web' }, annotations: { note: 'x' }, deletionTimestamp: '2025-02-03T04:05:06Z' },
        spec: {
          ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'web', nodePort: 30080 }, { port: 53, targetPort: 5353 }, { protocol: 'UDP', port: 9 }],
          selector: { app: 'web' },
          clusterIP: '10.96.0.5',
          clusterIPs: ['10.96.0.5', 'fd00::5'],
          type: 'NodePort',
          externalIPs: ['192.0.2.1'],
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } },
        },
        status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'LB.example.com' }] } },
      },
    ]);
  });

  it('reads an ExternalName Service and publishNotReadyAddresses', () => {
    const service = message(field(1, objectMeta('db', 'shop')), field(2, message(field(4, 'ExternalName'), field(10, 'db.example.com'), field(13, true))));
    expect(decodeItems(list('ServiceList', [service])).items[0]).toMatchObject({ spec: { type: 'ExternalName', externalName: 'db.example.com', publishNotReadyAddresses: true } });
  });

  it('keeps EndpointSlice pointer fields as sent: an absent condition is absent, an explicit false is false', () => {
    const slice = message(
      field(1, objectMeta('web-abc', 'shop', [mapField(11, { 'kubernetes.io/service-name': 'web' })])),
      field(
        2,
        message(
          field(1, '10.0.0.1'),
          field(2, message()),
          field(3, 'web-0'),
          field(4, message(field(1, 'Pod'), field(2, ''), field(3, 'web-0'), field(4, 'uid-9'))),
          field(6, 'node-a'),
          field(7, 'zone-a'),
          field(8, message(field(1, message(field(1, 'zone-a'))))), // hints: skipped
        ),
      ),
      field(2, message(field(1, '10.0.0.2'), field(1, '10.0.0.3'), field(2, message(field(1, false), field(2, true), field(3, true))), field(3, ''))),
      field(3, message(field(1, 'http'), field(2, 'TCP'), field(3, 8080))),
      field(3, message(field(1, ''))),
      field(4, 'IPv4'),
    );
    expect(decodeItems(list('EndpointSliceList', [slice])).items[0]).toEqual({
      metadata: { name: 'web-abc', namespace: 'shop', resourceVersion: '42', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.0.0.1'], conditions: {}, hostname: 'web-0', targetRef: { kind: 'Pod', name: 'web-0' }, nodeName: 'node-a', zone: 'zone-a' },
        { addresses: ['10.0.0.2', '10.0.0.3'], conditions: { ready: false, serving: true, terminating: true }, hostname: '' },
      ],
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }, { name: '' }],
    });
  });

  it('reads of a Pod only what convert.ts needs, the probe handler inlined as in JSON', () => {
    const container = (name: string, extra: Buffer[]): Buffer =>
      message(field(1, name), field(2, 'image:1'), field(5, ''), field(7, message(field(1, 'ENV'), field(2, 'value'))), field(8, message()), ...extra, field(13, '/dev/termination-log'), field(16, false));
    const probe = message(
      field(1, message(field(2, message(field(1, '/ready'), field(2, namedPort('http')), field(3, ''), field(4, 'HTTPS'))))),
      field(2, 0),
      field(3, 1),
      field(4, 5),
      field(5, 1),
      field(6, 3),
    );
    const pod = message(
      field(1, objectMeta('web-0', 'shop')),
      field(
        2,
        message(
          field(1, message(field(1, 'config'))), // volumes: skipped
          field(2, container('app', [field(6, message(field(1, 'http'), field(2, 0), field(3, 8080), field(4, 'TCP'), field(5, ''))), field(11, probe)])),
          field(3, 'Always'),
          field(10, 'node-a'),
          field(16, ''),
          field(17, 'web'),
          field(20, container('proxy', [field(6, message(field(1, ''), field(3, 15001), field(4, ''))), field(11, message(field(1, message(field(1, message(field(1, 'true'))))))), field(24, 'Always')])),
        ),
      ),
      field(
        3,
        message(
          field(1, 'Running'),
          field(2, message(field(1, 'Ready'), field(2, 'True'), field(3, message()), field(4, message(field(1, 1), field(2, 0))))),
          field(5, '10.20.0.1'), // hostIP: skipped
          field(6, '10.0.0.9'),
          field(8, message(field(1, 'app'), field(4, true))), // containerStatuses: skipped
          field(12, message(field(1, '10.0.0.9'))),
          field(12, message(field(1, 'fd00::9'))),
        ),
      ),
    );
    expect(decodeItems(list('PodList', [pod])).items[0]).toEqual({
      metadata: { name: 'web-0', namespace: 'shop', resourceVersion: '42' },
      spec: {
        containers: [
          {
            name: 'app',
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http', scheme: 'HTTPS' }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 },
          },
        ],
        nodeName: 'node-a',
        subdomain: 'web',
        initContainers: [{ name: 'proxy', ports: [{ containerPort: 15001 }], readinessProbe: { exec: { command: ['true'] } }, restartPolicy: 'Always' }],
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.9' }, { ip: 'fd00::9' }] },
    });
  });

  it('reads a Namespace for its metadata', () => {
    const namespace = message(field(1, objectMeta('shop', '', [mapField(11, { team: 'a' })])), field(2, message(field(1, 'kubernetes'))), field(3, message(field(1, 'Active'))));
    expect(decodeItems(list('NamespaceList', [namespace])).items).toEqual([{ metadata: { name: 'shop', resourceVersion: '42', labels: { team: 'a' } } }]);
  });

  it('hands items over one at a time, in order', () => {
    const seen: string[] = [];
    const ns = (name: string): Buffer => message(field(1, objectMeta(name, '')));
    decodeList(list('NamespaceList', [ns('a'), ns('b'), ns('c')]), (item) => seen.push(item.metadata?.name ?? ''));
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['no envelope', Buffer.from('{"kind":"ServiceList"}'), /no k8s protobuf envelope/],
    ['a kind it does not read', list('ConfigMapList', []), /cannot decode a "ConfigMap"/],
    ['a compressed envelope', envelope('v1', 'ServiceList', message(), 'gzip'), /unsupported contentEncoding "gzip"/],
    ['an envelope without an object', message(Buffer.from('k8s\0', 'latin1'), field(1, message(field(2, 'ServiceList')))), /the ServiceList holds no object/],
  ])('fails on %s with a ProtobufError', (_name, body, problem) => {
    expect(() => decodeItems(body)).toThrow(ProtobufError);
    expect(() => decodeItems(body)).toThrow(problem);
  });

  it('fails with a ProtobufError, never anything else, on a list cut off anywhere', () => {
    const body = list('ServiceList', [SERVICE, SERVICE]);
    // The envelope ends with two empty strings (contentEncoding, contentType), 2 bytes each, which may be left out.
    for (let length = 0; length < body.length - 4; length++) {
      expect(() => decodeItems(body.subarray(0, length)), `cut at ${length}`).toThrow(ProtobufError);
    }
  });

  it('fails with a ProtobufError or decodes, never anything else, when bytes are corrupted', () => {
    const body = list('ServiceList', [SERVICE]);
    for (let at = 4; at < body.length; at++) {
      for (const value of [0x00, 0x7f, 0x80, 0xff]) {
        const corrupted = Buffer.from(body);
        corrupted[at] = value;
        try {
          decodeItems(corrupted);
        } catch (error) {
          expect(error, `byte ${at} = ${value}`).toBeInstanceOf(ProtobufError);
        }
      }
    }
  });
});

describe('decodeWatchEvent', () => {
  const event = (type: string, object: Buffer): Buffer => message(field(1, type), field(2, message(field(1, object))));

  it('reads the event type and the enveloped object, with its apiVersion and kind', () => {
    const namespace = envelope('v1', 'Namespace', message(field(1, objectMeta('shop', ''))));
    expect(decodeWatchEvent(event('ADDED', namespace))).toEqual({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', resourceVersion: '42' } } });
  });

  it('reads a BOOKMARK: an object with only a resourceVersion', () => {
    const bookmark = envelope('v1', 'Pod', message(field(1, message(field(1, ''), field(3, ''), field(6, '777'))), field(2, message()), field(3, message())));
    expect(decodeWatchEvent(event('BOOKMARK', bookmark))).toEqual({ type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '777' }, spec: {}, status: {} } });
  });

  it('reads an ERROR: a Status with its code, reason and message', () => {
    const status = envelope('v1', 'Status', message(field(1, message(field(1, ''), field(2, ''), field(3, ''))), field(2, 'Failure'), field(3, 'too old resource version: 5 (10)'), field(4, 'Expired'), field(6, 410)));
    expect(decodeWatchEvent(event('ERROR', status))).toEqual({
      type: 'ERROR',
      object: { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'too old resource version: 5 (10)', reason: 'Expired', code: 410 },
    });
  });

  it('fails on an event without an object', () => {
    expect(() => decodeWatchEvent(message(field(1, 'ADDED')))).toThrow(/the ADDED event has no object/);
  });
});

describe('decodeObject', () => {
  it('reads an error body: an enveloped Status', () => {
    const body = envelope('v1', 'Status', message(field(1, message()), field(2, 'Failure'), field(3, 'Unauthorized'), field(4, 'Unauthorized'), field(6, 401)));
    expect(decodeObject(body)).toEqual({ apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });
});
