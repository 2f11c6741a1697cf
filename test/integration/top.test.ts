import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../src/test-support/cli.ts';
import { parseDigOutput } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { readTopDocument, type TopDocument } from '../../src/top-cli/document.ts';
import { FakeApiServer, namespaceObject, podObject, serviceObject } from '../fake-apiserver/index.ts';
import { httpGet, sample } from '../ops/http.ts';

/** A pod at 127.0.0.2, the address `dig -b` asks from, and a service for it to find. */
const MANIFESTS = `apiVersion: v1
kind: Service
metadata: {name: myservice, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: dig-client, namespace: shop, labels: {app: client}}
spec:
  containers: [{name: dig, image: dig}]
status:
  phase: Running
  podIP: 127.0.0.2
  podIPs: [{ip: 127.0.0.2}]
  conditions: [{type: Ready, status: "True"}]
`;

/** What a pod in shop sends for `api.example.com` with ndots:5: three search tries, all NXDOMAIN here. */
const API_SEARCH_TRIES = ['api.example.com.shop.svc.cluster.local', 'api.example.com.svc.cluster.local', 'api.example.com.cluster.local'];

/** dig from `source` (a loopback address of its own), one try; the status it printed. */
async function digFrom(port: number, name: string, source: string): Promise<string> {
  const { stdout } = await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(port), '-b', source, name, 'A', '+time=5', '+tries=1'], { timeout: 10_000 });
  return parseDigOutput(stdout).status;
}

async function readTop(metricsPort: number): Promise<TopDocument> {
  const { status, body, contentType } = await httpGet(metricsPort, '/top');
  expect(status).toBe(200);
  expect(contentType).toBe('application/json');
  return readTopDocument(JSON.parse(body));
}

function entriesOf(document: TopDocument, dimension: keyof TopDocument['dimensions']): [string, string | null, string | null, number][] {
  return document.dimensions[dimension].entries.map((entry) => [entry.client, entry.namespace, entry.pod, entry.count]);
}

describe('top: who is asking, from manifests', () => {
  let dir: string;
  let server: TestServer;
  let metricsPort: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-top-'));
    writeFileSync(join(dir, 'cluster.yaml'), MANIFESTS);
    metricsPort = await freePort('127.0.0.1');
    server = await startTestServer(`. {
    prometheus 127.0.0.1:${metricsPort}
    top 10
    kubernetes cluster.local {
        manifests ${join(dir, 'cluster.yaml')}
    }
}
`);
    expect(await digFrom(server.port, 'myservice.shop.svc.cluster.local', '127.0.0.2')).toBe('NOERROR');
    for (const name of API_SEARCH_TRIES) expect(await digFrom(server.port, name, '127.0.0.2')).toBe('NXDOMAIN');
    // A missing service from 127.0.0.1 is NXDOMAIN but its first try: no expansion.
    expect(await digFrom(server.port, 'nosuch.shop.svc.cluster.local', '127.0.0.1')).toBe('NXDOMAIN');
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /top beside /metrics, naming the pod behind each address', async () => {
    const document = await readTop(metricsPort);
    expect(document.k).toBe(10);
    expect(document.threads).toBe(1);
    expect(entriesOf(document, 'queries')).toEqual([
      ['127.0.0.2', 'shop', 'dig-client', 4],
      ['127.0.0.1', null, null, 1],
    ]);
    expect(entriesOf(document, 'nxdomain')).toEqual([
      ['127.0.0.2', 'shop', 'dig-client', 3],
      ['127.0.0.1', null, null, 1],
    ]);
    expect(entriesOf(document, 'expansions')).toEqual([['127.0.0.2', 'shop', 'dig-client', 3]]);
    expect(document.dimensions.queries.entries.every((entry) => entry.error === 0)).toBe(true);
    expect(document.dimensions.queries.total).toBe(5);
  });

  it('exports a gauge per client and dimension', async () => {
    const metrics = (await httpGet(metricsPort, '/metrics')).body;
    const pod = { client: '127.0.0.2', namespace: 'shop', pod: 'dig-client' };
    expect(sample(metrics, 'clusterdns_top_client_queries', pod)).toBe(4);
    expect(sample(metrics, 'clusterdns_top_client_nxdomain', pod)).toBe(3);
    expect(sample(metrics, 'clusterdns_top_client_search_path_expansions', pod)).toBe(3);
    expect(sample(metrics, 'clusterdns_top_client_queries', { client: '127.0.0.1', namespace: '', pod: '' })).toBe(1);
    expect(sample(metrics, 'clusterdns_top_client_search_path_expansions', { client: '127.0.0.1', namespace: '', pod: '' })).toBeUndefined();
  });

  it('prints the tables once with `clusterdns top --once`', async () => {
    const run = runCli(['top', '--once', '--server', `127.0.0.1:${metricsPort}`]);
    expect(await run.exited).toBe(0);
    const out = run.stdout();
    expect(out).toMatch(new RegExp(`^clusterdns top: http://127\\.0\\.0\\.1:${metricsPort}/top, K=10, 1 thread, counting for `));
    expect(out).toContain('QUERIES: 5 in all\n');
    expect(out).toContain('SEARCH-PATH EXPANSIONS: 3 in all\n');
    expect(out).toMatch(/\n {2}127\.0\.0\.2 +shop\/dig-client +4 +0 +[\d.]+\n {2}127\.0\.0\.1 +- +1 +0 +[\d.]+\n/);
    expect(out).not.toContain('\x1b[');
    expect(run.stderr()).toBe('');
  });

  it('answers 404 on a port without top, and `clusterdns top --once` says so', async () => {
    const elsewhere = await freePort('127.0.0.1');
    const other = await startTestServer(`. {\n    prometheus 127.0.0.1:${elsewhere}\n    whoami\n}\n`);
    try {
      const run = runCli(['top', '--once', '--server', `127.0.0.1:${elsewhere}`]);
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toBe(`clusterdns top: GET http://127.0.0.1:${elsewhere}/top: HTTP 404 (is \`top\` in a server block with \`prometheus\` on this address?)\n`);
    } finally {
      await other.stop();
    }
  });
});

describe('top: pods from the API, whatever `pods` says', () => {
  let api: FakeApiServer;
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    api = new FakeApiServer();
    await api.start();
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-top-api-'));
    api.upsert('namespace', namespaceObject('batch'));
    api.upsert('service', serviceObject('batch', 'queue', { clusterIP: '10.96.0.30' }));
    api.upsert('pod', podObject('batch', 'cron-29', '127.0.0.3'));
  });
  afterAll(async () => {
    await server?.stop();
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('watches pods for top under `pods insecure`, and names the client', async () => {
    const metricsPort = await freePort('127.0.0.1');
    const kubeconfig = await api.writeKubeconfig(dir);
    server = await startTestServer(`. {
    prometheus 127.0.0.1:${metricsPort}
    top
    kubernetes cluster.local {
        kubeconfig ${kubeconfig}
        pods insecure
    }
}
`);
    expect(await digFrom(server.port, 'queue.batch.svc.cluster.local', '127.0.0.3')).toBe('NOERROR');
    expect(api.requests.some((request) => request.path.startsWith('/api/v1/pods'))).toBe(true);
    const document = await readTop(metricsPort);
    expect(entriesOf(document, 'queries')).toEqual([['127.0.0.3', 'batch', 'cron-29', 1]]);
  });
});

describe('top with -workers: every thread counts, /metrics and /top merge them', () => {
  let dir: string;
  let run: CliRun | undefined;
  afterEach(async () => {
    run?.child.kill('SIGKILL');
    await run?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('sums the threads per client', async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-top-workers-'));
    writeFileSync(join(dir, 'cluster.yaml'), MANIFESTS);
    const [dnsPort, metricsPort] = [await freePort(), await freePort('127.0.0.1')];
    writeFileSync(
      join(dir, 'Corefile'),
      `.:${dnsPort} {\n    prometheus 127.0.0.1:${metricsPort}\n    top 10\n    kubernetes cluster.local {\n        manifests cluster.yaml\n    }\n}\n`,
    );
    run = runCli(['-conf', 'Corefile', '-workers', '2'], { cwd: dir });
    await run.waitFor(`.:${dnsPort}`);
    // Each dig has a socket of its own, so the kernel spreads them over both threads' sockets.
    const queries = 16;
    for (let i = 0; i < queries; i += 8) {
      const statuses = await Promise.all(Array.from({ length: 8 }, () => digFrom(dnsPort, API_SEARCH_TRIES[2]!, '127.0.0.2')));
      expect(statuses).toEqual(Array(8).fill('NXDOMAIN'));
    }
    // /metrics first: the workers' counts reach it with their metrics, before any /top.
    const metrics = (await httpGet(metricsPort, '/metrics')).body;
    const pod = { client: '127.0.0.2', namespace: 'shop', pod: 'dig-client' };
    expect(sample(metrics, 'clusterdns_top_client_queries', pod)).toBe(queries);
    expect(sample(metrics, 'clusterdns_top_client_search_path_expansions', pod)).toBe(queries);
    const document = await readTop(metricsPort);
    expect(document.threads).toBe(2);
    expect(entriesOf(document, 'queries')).toEqual([['127.0.0.2', 'shop', 'dig-client', queries]]);
    expect(entriesOf(document, 'nxdomain')).toEqual([['127.0.0.2', 'shop', 'dig-client', queries]]);
  });
});
