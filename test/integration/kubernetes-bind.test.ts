import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: {name: default}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  clusterIP: 10.96.0.50
  clusterIPs: [10.96.0.50]
  ports: [{name: http, port: 80, protocol: TCP}]
`;

/** kube-dns whose one endpoint is the address the server binds: CoreDNS finds itself behind it. */
const SELF_SERVICE = `
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  clusterIP: 10.96.0.10
  clusterIPs: [10.96.0.10]
  ports: [{name: dns, port: 53, protocol: UDP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-1
  namespace: kube-system
  labels: {kubernetes.io/service-name: kube-dns}
addressType: IPv4
endpoints:
  - addresses: [127.0.0.1]
    conditions: {ready: true}
ports: [{name: dns, port: 53, protocol: UDP}]
`;

describe('kubernetes behind a block with bind: the bound addresses are its own', () => {
  let dir: string;
  const servers: TestServer[] = [];

  async function serve(manifest: string): Promise<TestServer> {
    const path = join(dir, `cluster-${servers.length}.yaml`);
    writeFileSync(path, manifest);
    const server = await startTestServer(`. {\n bind 127.0.0.1\n kubernetes cluster.local {\n  manifests ${path}\n }\n}\n`);
    servers.push(server);
    return server;
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-bind-'));
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers ns.dns.ZONE and the NS glue with the bound address when no endpoint is ours', async () => {
    const server = await serve(CLUSTER);
    const nameserver = await dig('ns.dns.cluster.local', { port: server.port });
    expect(nameserver.status).toBe('NOERROR');
    expect(nameserver.answer.map((r) => [r.name, r.type, r.data])).toEqual([['ns.dns.cluster.local.', 'A', '127.0.0.1']]);
    const ns = await dig('cluster.local', { port: server.port, type: 'NS' });
    expect(ns.answer.map((r) => [r.type, r.data])).toEqual([['NS', 'ns.dns.cluster.local.']]);
    expect(ns.additional.filter((r) => r.type === 'A').map((r) => [r.name, r.data])).toEqual([['ns.dns.cluster.local.', '127.0.0.1']]);
  });

  it('names the service whose endpoint is the bound address in NS answers', async () => {
    const server = await serve(CLUSTER + SELF_SERVICE);
    const ns = await dig('cluster.local', { port: server.port, type: 'NS' });
    expect(ns.answer.map((r) => [r.type, r.data])).toEqual([['NS', 'kube-dns.kube-system.svc.cluster.local.']]);
    expect(ns.additional.filter((r) => r.type === 'A').map((r) => [r.name, r.data])).toEqual([
      ['kube-dns.kube-system.svc.cluster.local.', '10.96.0.10'],
    ]);
  });
});
