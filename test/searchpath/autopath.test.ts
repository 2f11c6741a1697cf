import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RCode, RRType } from '../../src/dns/constants.ts';
import { decodeMessage, type DecodedMessage } from '../../src/dns/message.ts';
import { encodeQuery } from '../../src/dns/query.ts';
import { metricsRegistry } from '../../src/metrics/registry.ts';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { startDnsmasq, type Dnsmasq } from '../../src/test-support/upstream.ts';

/** The client pod's address: a loopback address the tests can send from. */
const POD_IP = '127.0.0.5';

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: {name: default}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  clusterIP: 10.96.0.50
  clusterIPs: [10.96.0.50]
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: frontend, namespace: shop}
spec:
  clusterIP: 10.96.5.5
  clusterIPs: [10.96.5.5]
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop}
spec:
  containers: [{name: c, image: busybox}]
status:
  phase: Running
  podIP: ${POD_IP}
  podIPs: [{ip: ${POD_IP}}]
  conditions: [{type: Ready, status: "True"}]
`;

/** One UDP query sent from `source`, as a resolver in the pod would send it. */
async function askFrom(source: string, port: number, name: string): Promise<DecodedMessage> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.bind(0, source, resolve));
    return await new Promise<DecodedMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${name}`)), 3000);
      socket.once('message', (packet) => {
        clearTimeout(timer);
        resolve(decodeMessage(packet));
      });
      socket.send(encodeQuery(name, RRType.A), port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

async function successes(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('coredns_autopath_success_total')?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

describe('autopath @kubernetes behind the real server', () => {
  let dir: string;
  let server: TestServer;
  let upstream: Dnsmasq;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-autopath-'));
    const manifest = join(dir, 'cluster.yaml');
    writeFileSync(manifest, MANIFEST);
    // The world outside the cluster: one name, NXDOMAIN for every other.
    upstream = await startDnsmasq(['address=/#/', 'address=/outside.test/192.0.2.80']);
    server = await startTestServer(
      `. {\n autopath @kubernetes\n kubernetes cluster.local {\n  manifests ${manifest}\n  pods verified\n }\n forward . ${upstream.address}\n}\n`,
    );
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers a name in the pod's own namespace directly", async () => {
    const result = await dig('frontend.shop.svc.cluster.local', { port: server.port, flags: [`-b${POD_IP}`] });
    expect(result.status).toBe('NOERROR');
    expect(result.answer.map((r) => [r.name, r.type, r.data])).toEqual([['frontend.shop.svc.cluster.local.', 'A', '10.96.5.5']]);
  });

  it('resolves `api.default` typed in a shop pod in one round trip: CNAME to the name that resolved, then its records', async () => {
    const before = await successes();
    const result = await dig('api.default.shop.svc.cluster.local', { port: server.port, flags: [`-b${POD_IP}`] });
    expect(result.status).toBe('NOERROR');
    expect(result.question).toBe('api.default.shop.svc.cluster.local. IN A');
    expect(result.answer.map((r) => [r.name, r.type, r.data])).toEqual([
      ['api.default.shop.svc.cluster.local.', 'CNAME', 'api.default.svc.cluster.local.'],
      ['api.default.svc.cluster.local.', 'A', '10.96.0.50'],
    ]);
    // The CNAME carries the TTL of the record it points at, as CoreDNS's cnamer does.
    expect(result.answer[0]!.ttl).toBe(result.answer[1]!.ttl);
    expect(await successes()).toBe(before + 1);
  });

  it('reaches names outside the cluster with the bare name, through forward', async () => {
    const message = await askFrom(POD_IP, server.port, 'outside.test.shop.svc.cluster.local');
    expect(message.rcode).toBe(RCode.NOERROR);
    expect(message.questions[0]!.name).toBe('outside.test.shop.svc.cluster.local');
    expect(message.answer).toMatchObject([
      { name: 'outside.test.shop.svc.cluster.local', type: RRType.CNAME, target: 'outside.test' },
      { name: 'outside.test', type: RRType.A, address: '192.0.2.80' },
    ]);
  });

  it('returns the first NXDOMAIN, with the zone SOA, when no search domain has the name', async () => {
    const result = await dig('nope.shop.svc.cluster.local', { port: server.port, flags: [`-b${POD_IP}`] });
    expect(result.status).toBe('NXDOMAIN');
    expect(result.answer).toEqual([]);
    expect(result.authority.map((r) => [r.name, r.type])).toEqual([['cluster.local.', 'SOA']]);
  });

  it('leaves clients that are not pods to search for themselves', async () => {
    const result = await dig('api.default.shop.svc.cluster.local', { port: server.port });
    expect(result.status).toBe('NXDOMAIN');
    expect(result.answer).toEqual([]);
  });
});
