import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const MANIFEST = `
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata: {name: db, namespace: shop}
spec:
  type: ClusterSetIP
  ips: [10.42.0.1]
  ports: [{name: sql, protocol: TCP, port: 5432}]
---
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata: {name: cache, namespace: shop}
spec:
  type: Headless
  ports: [{name: redis, protocol: TCP, port: 6379}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: cache-east
  namespace: shop
  labels: {multicluster.kubernetes.io/service-name: cache, multicluster.kubernetes.io/source-cluster: east}
addressType: IPv4
ports: [{name: redis, protocol: TCP, port: 6379}]
endpoints:
  - addresses: [10.1.0.7]
    hostname: pod-0
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: cache-west
  namespace: shop
  labels: {multicluster.kubernetes.io/service-name: cache, multicluster.kubernetes.io/source-cluster: west}
addressType: IPv4
ports: [{name: redis, protocol: TCP, port: 6379}]
endpoints:
  - addresses: [10.2.0.7]
    hostname: pod-0
  - addresses: [10.2.0.8]
    hostname: pod-1
    conditions: {ready: false}
`;

describe('multicluster: the clusterset zone from ServiceImports', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-multicluster-'));
    writeFileSync(join(dir, 'cluster.yaml'), MANIFEST);
    server = await startTestServer(
      `. {\n    transfer {\n        to *\n    }\n    kubernetes cluster.local clusterset.local {\n        manifests ${join(dir, 'cluster.yaml')}\n        multicluster clusterset.local\n    }\n}\n`,
    );
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const answers = async (name: string, type = 'A') => (await dig(name, { port: server.port, type })).answer.map((r) => r.data).sort();

  it("answers a ClusterSetIP import with its clusterset IP and SRV, and nothing of it in the cluster's own zone", async () => {
    expect(await answers('db.shop.svc.clusterset.local')).toEqual(['10.42.0.1']);
    expect(await answers('_sql._tcp.db.shop.svc.clusterset.local', 'SRV')).toEqual(['0 100 5432 db.shop.svc.clusterset.local.']);
    expect((await dig('db.shop.svc.cluster.local', { port: server.port })).status).toBe('NXDOMAIN');
  });

  it('answers a headless import with the ready endpoints of every cluster, and each as endpoint.cluster', async () => {
    expect(await answers('cache.shop.svc.clusterset.local')).toEqual(['10.1.0.7', '10.2.0.7']);
    expect(await answers('pod-0.east.cache.shop.svc.clusterset.local')).toEqual(['10.1.0.7']);
    expect(await answers('pod-0.west.cache.shop.svc.clusterset.local')).toEqual(['10.2.0.7']);
    expect((await dig('pod-0.north.cache.shop.svc.clusterset.local', { port: server.port })).status).toBe('NXDOMAIN');
    expect(await answers('_redis._tcp.cache.shop.svc.clusterset.local', 'SRV')).toEqual([
      '0 50 6379 pod-0.east.cache.shop.svc.clusterset.local.',
      '0 50 6379 pod-0.west.cache.shop.svc.clusterset.local.',
    ]);
  });

  it("transfers the clusterset zone as CoreDNS's transferMultiClusterServices writes it", async () => {
    const { stdout } = await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(server.port), 'clusterset.local', 'AXFR', '+noall', '+answer'], { timeout: 10_000 });
    const names = stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split(/\s+/))
      .map(([name, , , type, ...data]) => `${name} ${type} ${data.join(' ')}`);
    expect(names).toContain('cache.shop.svc.clusterset.local. A 10.1.0.7');
    expect(names).toContain('pod-0.cache.shop.svc.clusterset.local. A 10.2.0.7');
    expect(names).toContain('db.shop.svc.clusterset.local. A 10.42.0.1');
    expect(names).toContain('_sql._tcp.db.shop.svc.clusterset.local. SRV 0 100 5432 db.shop.svc.clusterset.local.');
    expect(names.findIndex((n) => n.startsWith('cache.'))).toBeLessThan(names.findIndex((n) => n.startsWith('db.')));
  });
});
