import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../src/test-support/cli.ts';
import { dig, type DigResult } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: {name: default}
---
apiVersion: v1
kind: Service
metadata: {name: test, namespace: default}
spec:
  clusterIP: None
  externalIPs: [192.168.200.123]
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: default}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.50
  ports: [{name: https, port: 443}]
status:
  loadBalancer:
    ingress: [{ip: 203.0.113.7}, {hostname: LB.example.net}]
---
apiVersion: v1
kind: Service
metadata: {name: internal, namespace: default}
spec:
  clusterIP: 10.96.0.60
  ports: [{port: 80}]
`;

const records = (result: DigResult, section: 'answer' | 'authority' | 'additional' = 'answer') => result[section].map((r) => `${r.name} ${r.type} ${r.data}`);

describe('k8s_external: services outside the cluster under an external zone', () => {
  let dir: string;
  let run: CliRun;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-external-'));
    writeFileSync(join(dir, 'cluster.yaml'), MANIFEST);
    port = await freePort();
    const corefile = `.:${port} {\n    k8s_external example.org in-addr.arpa {\n        ttl 10\n    }\n    kubernetes cluster.local {\n        manifests cluster.yaml\n    }\n}\n`;
    writeFileSync(join(dir, 'Corefile'), corefile);
    // Two threads: a worker asks the main thread, which holds the cluster.
    run = runCli(['-conf', 'Corefile', '-workers', '2'], { cwd: dir });
    await run.waitFor(`.:${port}`);
  });
  afterAll(async () => {
    run?.child.kill('SIGKILL');
    await run?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers externalIPs and load balancer ingress: an address, or a CNAME to its hostname', async () => {
    for (let i = 0; i < 4; i++) {
      expect(records(await dig('test.default.example.org', { port }))).toEqual(['test.default.example.org. A 192.168.200.123']);
      expect(records(await dig('lb.default.example.org', { port }))).toEqual(['lb.default.example.org. A 203.0.113.7', 'lb.default.example.org. CNAME lb.example.net.']);
    }
  });

  it('answers SRV per named port with the addresses in the additional section, and PTR of an external address', async () => {
    const srv = await dig('_https._tcp.lb.default.example.org', { port, type: 'SRV' });
    expect(records(srv)).toEqual(['_https._tcp.lb.default.example.org. SRV 0 50 443 lb.default.example.org.', '_https._tcp.lb.default.example.org. SRV 0 50 443 lb.example.net.']);
    expect(records(srv, 'additional')).toEqual(['lb.default.example.org. A 203.0.113.7']);
    expect(records(await dig('7.113.0.203.in-addr.arpa', { port, type: 'PTR' }))).toEqual(['7.113.0.203.in-addr.arpa. PTR lb.default.example.org.']);
  });

  it('serves its apex: SOA and NS with ns1.dns, and NXDOMAIN with that SOA for a service with no external address', async () => {
    const soa = await dig('example.org', { port, type: 'SOA' });
    expect(soa.answer[0]!.data).toMatch(/^ns1\.dns\.example\.org\. hostmaster\.dns\.example\.org\. \d+ 7200 1800 86400 10$/);
    expect(records(await dig('example.org', { port, type: 'NS' }))).toEqual(['example.org. NS ns1.dns.example.org.']);
    const internal = await dig('internal.default.example.org', { port });
    expect([internal.status, internal.authority[0]?.type]).toEqual(['NXDOMAIN', 'SOA']);
    const absent = await dig('test.nowhere.example.org', { port });
    expect(absent.status).toBe('NXDOMAIN');
  });
});
