import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const MANIFEST = `
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  clusterIP: None
  ports: [{name: sql, port: 5432}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: db-abc
  namespace: shop
  labels: {kubernetes.io/service-name: db}
addressType: IPv4
ports: [{name: sql, port: 5432, protocol: TCP}]
endpoints:
  - addresses: [10.0.1.1]
    zone: us-west-2a
  - addresses: [10.0.2.1]
    zone: us-west-2b
`;

describe('zonal names from a real server', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-zonal-'));
    writeFileSync(join(dir, 'cluster.yaml'), MANIFEST);
    server = await startTestServer(`. {\n    kubernetes cluster.local {\n        manifests ${join(dir, 'cluster.yaml')}\n        zonal\n    }\n}\n`);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pins to a zone, prefers one with a fallback, and says NODATA for an empty pinned zone', async () => {
    const port = server.port;
    expect((await dig('us-west-2b.pin._zone.db.shop.svc.cluster.local', { port })).answer.map((r) => r.data)).toEqual(['10.0.2.1']);
    const pinnedEmpty = await dig('eu-west-1a.pin._zone.db.shop.svc.cluster.local', { port });
    expect([pinnedEmpty.status, pinnedEmpty.answer.length, pinnedEmpty.authority[0]?.type]).toEqual(['NOERROR', 0, 'SOA']);
    expect((await dig('eu-west-1a.prefer._zone.db.shop.svc.cluster.local', { port })).answer.map((r) => r.data).sort()).toEqual(['10.0.1.1', '10.0.2.1']);
    expect((await dig('us-west-2a.pin._zone.db.shop.svc.cluster.local', { port, type: 'SRV' })).answer.map((r) => r.data)).toEqual([
      '0 100 5432 10-0-1-1.db.shop.svc.cluster.local.',
    ]);
    expect((await dig('us-west-2a.nope._zone.db.shop.svc.cluster.local', { port })).status).toBe('NXDOMAIN');
  });
});
