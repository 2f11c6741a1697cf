import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dig, type DigResult } from '../../src/test-support/dig.ts';
import { runCli, type CliRun } from '../../src/test-support/cli.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { aRecord, respond, startFakeUpstream, type Behavior, type FakeUpstream } from '../../src/test-support/upstream.ts';
import { sleep } from '../../src/test-support/wait.ts';
import { FakeApiServer, namespaceObject, serviceObject } from '../fake-apiserver/index.ts';
import { httpGet, sample } from '../ops/http.ts';

/*
 * `cache 30` in front of the cluster zones: a change of the cluster reaches answers within a
 * second, not when the cached ones expire, while answers from outside the cluster stay cached.
 * The kubernetes TTL is 30 too, so every answer would otherwise be kept 30 s.
 */

/** How long a change of the cluster may take to show in answers (the issue's promise). */
const DEADLINE_MS = 1000;
/** Past a whole second, a cached answer's TTL has counted down below the 30 it was stored with. */
const AGE_MS = 1100;
const TTL = 30;

/** The client pod autopath completes names for, a loopback address dig can send from. */
const CLIENT_IP = '127.0.0.61';

/** The cluster: namespaces declared, so a service of its own is all a later manifest adds. */
function manifest(parts: { late?: boolean; web?: boolean; db1Label?: string; myservice?: boolean }): string {
  const docs = [
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: default}',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: other}',
    `apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
status: {phase: Running, podIP: ${CLIENT_IP}, podIPs: [{ip: ${CLIENT_IP}}], conditions: [{type: Ready, status: "True"}]}`,
    service('default', 'stay', '127.10.61.9'),
    service('default', 'db', 'None', 'app: db'),
    pod('db-0', '127.0.0.62', 'db'),
    pod('db-1', '127.0.0.63', parts.db1Label ?? 'db'),
  ];
  if (parts.web ?? true) docs.push(service('default', 'web', '127.10.61.1'));
  if (parts.late) docs.push(service('default', 'late', '127.10.61.2'));
  if (parts.myservice) docs.push(service('other', 'myservice', '127.10.61.3'));
  return docs.join('\n---\n') + '\n';
}

function service(namespace: string, name: string, clusterIP: string, selector = ''): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  clusterIP: ${clusterIP}
  ${selector === '' ? '' : `selector: {${selector}}`}
  ports: [{name: http, port: 80, protocol: TCP}]`;
}

function pod(name: string, ip: string, app: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {app: ${app}}}
spec: {containers: [{name: db, image: db}]}
status: {phase: Running, podIP: ${ip}, podIPs: [{ip: ${ip}}], conditions: [{type: Ready, status: "True"}]}`;
}

/** The upstream: `outside.example` at `address`, NXDOMAIN (with an SOA, so cacheable) for every other name. */
function world(address: string): Behavior {
  return (query) => {
    if (query.name === 'outside.example') return [respond(query, { answers: [aRecord(query.name, address, TTL)] })];
    const soa = { type: 'SOA' as const, name: 'example', ttl: TTL, data: { mname: 'ns.example', rname: 'admin.example', serial: 1, refresh: 60, retry: 60, expire: 60, minimum: TTL } };
    return [respond(query, { rcode: 3, authorities: [soa] })];
  };
}

const summary = (result: DigResult): string => `${result.status} ${result.answer.map((r) => `${r.type} ${r.data}`).sort().join(', ')}`;

/** Every TTL of the answer, SOA of a denial included. */
const ttls = (result: DigResult): number[] => [...result.answer, ...result.authority].map((r) => r.ttl);

interface Question {
  readonly name: string;
  readonly type?: string;
  /** dig's source address: the client pod, for autopath. */
  readonly from?: string;
}

function ask(port: number, question: Question): Promise<DigResult> {
  return dig(question.name, { port, type: question.type ?? 'A', ...(question.from && { flags: [`-b${question.from}`] }) });
}

/**
 * Asks every question until each answer is what `expected` says, failing when the deadline passes
 * first (a round started before it counts) with the answers that were still wrong.
 */
async function settlesWithin(port: number, expected: ReadonlyMap<Question, string>, deadlineMs = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let wrong: string[] = [];
  do {
    const questions = [...expected.keys()];
    const results = await Promise.all(questions.map((question) => ask(port, question)));
    wrong = results.flatMap((result, i) => {
      const want = expected.get(questions[i]!);
      return summary(result) === want ? [] : [`${questions[i]!.name}: ${summary(result)} (want ${want})`];
    });
    if (wrong.length === 0) return;
    await sleep(20);
  } while (Date.now() < deadline);
  throw new Error(`not within ${deadlineMs} ms:\n${wrong.join('\n')}`);
}

describe('cache 30 over the cluster zones, from manifests', () => {
  let dir: string;
  let path: string;
  let upstream: FakeUpstream;
  let server: TestServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterdns-coherent-'));
    path = join(dir, 'cluster.yaml');
    await writeFile(path, manifest({}));
    upstream = await startFakeUpstream(world('192.0.2.1'));
    server = await startTestServer(`. {
      autopath @kubernetes
      kubernetes cluster.local in-addr.arpa {
        manifests ${path}
        pods verified
        ttl ${TTL}
      }
      forward . ${upstream.address}
      cache ${TTL}
    }`);
  });

  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops exactly the answers a change of the cluster makes wrong, within a second', async () => {
    const port = server.port;
    const late: Question = { name: 'late.default.svc.cluster.local' };
    const web: Question = { name: 'web.default.svc.cluster.local' };
    const webPtr: Question = { name: '1.61.10.127.in-addr.arpa', type: 'PTR' };
    const headless: Question = { name: 'db.default.svc.cluster.local' };
    const endpointSrv: Question = { name: '_http._tcp.db.default.svc.cluster.local', type: 'SRV' };
    // `myservice.other` typed in a pod of `default`: autopath walks the search path for it.
    const searched: Question = { name: 'myservice.other.default.svc.cluster.local', from: CLIENT_IP };
    const stay: Question = { name: 'stay.default.svc.cluster.local' };
    const outside: Question = { name: 'outside.example' };
    const before = new Map<Question, string>([
      [late, 'NXDOMAIN '],
      [web, 'NOERROR A 127.10.61.1'],
      [webPtr, 'NOERROR PTR web.default.svc.cluster.local.'],
      [headless, 'NOERROR A 127.0.0.62, A 127.0.0.63'],
      [endpointSrv, 'NOERROR SRV 0 50 80 127-0-0-62.db.default.svc.cluster.local., SRV 0 50 80 127-0-0-63.db.default.svc.cluster.local.'],
      [searched, 'NXDOMAIN '],
      [stay, 'NOERROR A 127.10.61.9'],
      [outside, 'NOERROR A 192.0.2.1'],
    ]);
    await settlesWithin(port, before);

    // A second later every answer comes from the cache: its TTL has counted down.
    await sleep(AGE_MS);
    for (const question of before.keys()) {
      const result = await ask(port, question);
      expect(summary(result), question.name).toBe(before.get(question));
      expect(Math.max(...ttls(result)), `${question.name} is cached`).toBeLessThan(TTL);
    }
    const outsideAsked = upstream.queries().filter((query) => query.name === 'outside.example').length;

    upstream.setBehavior(world('192.0.2.2'));
    await writeFile(path, manifest({ late: true, web: false, db1Label: 'other', myservice: true }));
    await settlesWithin(
      port,
      new Map<Question, string>([
        [late, 'NOERROR A 127.10.61.2'],
        [web, 'NXDOMAIN '],
        [webPtr, 'NXDOMAIN '],
        [headless, 'NOERROR A 127.0.0.62'],
        [endpointSrv, 'NOERROR SRV 0 100 80 127-0-0-62.db.default.svc.cluster.local.'],
        [searched, 'NOERROR A 127.10.61.3, CNAME myservice.other.svc.cluster.local.'],
      ]),
    );

    // What the change did not touch is still the stored answer: counted down, not asked again.
    const kept = await ask(port, stay);
    expect(summary(kept)).toBe('NOERROR A 127.10.61.9');
    expect(kept.answer[0]!.ttl).toBeLessThan(TTL);
    const outsideNow = await ask(port, outside);
    expect(summary(outsideNow)).toBe('NOERROR A 192.0.2.1');
    expect(upstream.queries().filter((query) => query.name === 'outside.example')).toHaveLength(outsideAsked);
  });
});

describe('cache 30 over the cluster zones, from the API', () => {
  let api: FakeApiServer;
  let dir: string;
  let server: TestServer;

  beforeAll(async () => {
    api = new FakeApiServer();
    await api.start();
    dir = await mkdtemp(join(tmpdir(), 'clusterdns-coherent-api-'));
    api.upsert('namespace', namespaceObject('default'));
    api.upsert('service', serviceObject('default', 'web', { clusterIP: '10.96.0.10' }));
    const kubeconfig = await api.writeKubeconfig(dir);
    server = await startTestServer(`. {
      kubernetes cluster.local {
        kubeconfig ${kubeconfig}
        ttl ${TTL}
      }
      cache ${TTL}
    }`);
  });

  afterAll(async () => {
    await server?.stop();
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a service added on the API within a second, though its name was cached NXDOMAIN', async () => {
    const port = server.port;
    const fresh: Question = { name: 'fresh.default.svc.cluster.local' };
    const web: Question = { name: 'web.default.svc.cluster.local' };
    await settlesWithin(port, new Map([[fresh, 'NXDOMAIN '], [web, 'NOERROR A 10.96.0.10']]));

    api.upsert('service', serviceObject('default', 'fresh', { clusterIP: '10.96.0.20' }));
    await settlesWithin(port, new Map([[fresh, 'NOERROR A 10.96.0.20']]));
    api.remove('service', 'default', 'web');
    await settlesWithin(port, new Map([[web, 'NXDOMAIN ']]));
  });

  it('follows a namespace that appears: its own name, then a service in it', async () => {
    const port = server.port;
    const namespace: Question = { name: 'newns.svc.cluster.local' };
    const inNamespace: Question = { name: 'api.newns.svc.cluster.local' };
    await settlesWithin(port, new Map([[namespace, 'NXDOMAIN '], [inNamespace, 'NXDOMAIN ']]));

    api.upsert('namespace', namespaceObject('newns'));
    // The namespace exists: its name is NODATA now, and the service in it still missing.
    await settlesWithin(port, new Map([[namespace, 'NOERROR '], [inNamespace, 'NXDOMAIN ']]));
    api.upsert('service', serviceObject('newns', 'api', { clusterIP: '10.96.0.30' }));
    await settlesWithin(port, new Map([[inNamespace, 'NOERROR A 10.96.0.30']]));
  });
});

describe('cache 30 over the cluster zones, with -workers 2', () => {
  let dir: string;
  const runs: CliRun[] = [];

  afterEach(async () => {
    for (const run of runs.splice(0)) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("drops the name from every thread's cache", async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterdns-coherent-workers-'));
    const path = join(dir, 'cluster.yaml');
    await writeFile(path, manifest({}));
    const [dnsPort, metricsPort] = [await freePort(), await freePort()];
    await writeFile(
      join(dir, 'Corefile'),
      `.:${dnsPort} {
        prometheus 127.0.0.1:${metricsPort}
        kubernetes cluster.local {
          manifests ${path}
          ttl ${TTL}
        }
        cache ${TTL}
      }\n`,
    );
    const run = runCli(['-conf', 'Corefile'], { cwd: dir, env: { ...process.env, CLUSTERDNS_WORKERS: '2' } });
    runs.push(run);
    await run.waitFor(`.:${dnsPort}`);

    // dig opens a socket per query and the kernel spreads flows over the threads: both caches fill.
    const late: Question = { name: 'late.default.svc.cluster.local' };
    const spread = (answer: string) => new Map(Array.from({ length: 16 }, () => [{ ...late }, answer] as const));
    await settlesWithin(dnsPort, spread('NXDOMAIN '));
    const entries = sample((await httpGet(metricsPort, '/metrics')).body, 'coredns_cache_entries', {
      server: `dns://:${dnsPort}`,
      type: 'denial',
      zones: '.',
      view: '',
    });
    expect(entries, 'each thread cached the denial').toBe(2);

    await writeFile(path, manifest({ late: true }));
    await settlesWithin(dnsPort, spread('NOERROR A 127.10.61.2'));
  });
});
