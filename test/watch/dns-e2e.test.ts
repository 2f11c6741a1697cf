import { Resolver } from 'node:dns/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig, type DigResult } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { eventually } from '../../src/test-support/wait.ts';
import { endpointSliceObject, FakeApiServer, namespaceObject, podObject, serviceObject } from '../fake-apiserver/index.ts';

/**
 * The real DNS server (Corefile, server, kubernetes plugin, KubeApiSource) against the fake API
 * server, reached only through a kubeconfig: HTTPS with the server's CA and a bearer token.
 */

/** Services, endpoints, pods: one reflector each, plus namespaces (always watched). */
const WATCHED_TYPES = 4;
/** How long a change on the API may take to show in answers. */
const CHANGE_DEADLINE_MS = 1000;
/** Longer than the reflector's MIN_USEFUL_WATCH_MS. */
const SETTLE_MS = 1100;

function seedCluster(api: FakeApiServer): void {
  api.upsert('namespace', namespaceObject('default'));
  api.upsert('namespace', namespaceObject('apps'));
  api.upsert('service', serviceObject('default', 'web', { clusterIP: '10.96.0.10' }));
  api.upsert('service', serviceObject('apps', 'db', { clusterIP: 'None' }));
  // Endpoints db-0 and db-1, named after their pods (endpoint_pod_names), serving port 8080.
  api.upsert('endpointslice', endpointSliceObject('apps', 'db', 'db-abc', ['10.244.1.5', '10.244.2.6']));
  api.upsert('pod', podObject('default', 'web-1', '10.244.3.7'));
}

function corefile(kubeconfig: string, extra = ''): string {
  return `. {\n kubernetes cluster.local in-addr.arpa ip6.arpa {\n  kubeconfig ${kubeconfig}\n  pods verified\n  endpoint_pod_names\n${extra} }\n}\n`;
}

interface Cluster {
  readonly api: FakeApiServer;
  readonly dns: TestServer;
  stop(): Promise<void>;
}

/** A fake API server seeded by `prepare`, and the DNS server configured with a kubeconfig for it. */
async function startCluster(prepare: (api: FakeApiServer) => void, corefileExtra = ''): Promise<Cluster> {
  const api = new FakeApiServer();
  await api.start();
  const dir = await mkdtemp(join(tmpdir(), 'dns-e2e-'));
  try {
    prepare(api);
    const kubeconfig = await api.writeKubeconfig(dir);
    const dns = await startTestServer(corefile(kubeconfig, corefileExtra));
    return {
      api,
      dns,
      async stop() {
        await dns.stop();
        await api.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await api.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

const data = (result: DigResult): string[] => result.answer.map((record) => record.data).sort();

/** Digs until `accept` holds, for at most `timeoutMs`; fails with the last answer seen. */
async function digUntil(
  port: number,
  name: string,
  type: string,
  accept: (result: DigResult) => boolean,
  timeoutMs = CHANGE_DEADLINE_MS,
): Promise<DigResult> {
  const deadline = Date.now() + timeoutMs;
  let last: DigResult;
  do {
    last = await dig(name, { port, type });
    if (accept(last)) return last;
    await sleep(20);
  } while (Date.now() < deadline);
  throw new Error(`${name} ${type} did not change as expected within ${timeoutMs} ms; last answer:\n${last.output}`);
}

interface QueryLoop {
  /** Queries answered so far, right or wrong. */
  readonly count: () => number;
  /** Ends the loop; resolves with every wrong answer, as `name: what`. */
  finish(): Promise<string[]>;
}

/**
 * Asks node:dns, one query at a time, for each name in turn and checks the A records. Bounded by
 * `maxQueries` and `maxMs` whatever the caller does.
 */
function startQueryLoop(port: number, expected: ReadonlyMap<string, readonly string[]>, maxQueries: number, maxMs: number): QueryLoop {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const names = [...expected.keys()];
  const wrong: string[] = [];
  let count = 0;
  let stopped = false;
  const run = async (): Promise<void> => {
    const deadline = Date.now() + maxMs;
    while (!stopped && count < maxQueries && Date.now() < deadline) {
      const name = names[count % names.length]!;
      try {
        const addresses = (await resolver.resolve4(name)).sort();
        const want = expected.get(name)!;
        if (addresses.join(',') !== want.join(',')) wrong.push(`${name}: ${addresses.join(',')}`);
      } catch (error) {
        wrong.push(`${name}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      count++;
      await sleep(5);
    }
  };
  const done = run();
  return {
    count: () => count,
    async finish() {
      stopped = true;
      await done;
      return wrong;
    },
  };
}

describe('answers from the Kubernetes API', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(seedCluster);
  });
  afterAll(async () => cluster?.stop());

  it('serves services, headless services with their endpoints, verified pods and PTR records once synced', async () => {
    const port = cluster.dns.port;
    const web = await dig('web.default.svc.cluster.local', { port });
    expect(web.status).toBe('NOERROR');
    expect(web.flags).toContain('aa');
    expect(web.answer.map((r) => [r.name, r.type, r.data])).toEqual([['web.default.svc.cluster.local.', 'A', '10.96.0.10']]);
    expect(data(await dig('_http._tcp.web.default.svc.cluster.local', { port, type: 'SRV' }))).toEqual(['0 100 80 web.default.svc.cluster.local.']);

    expect(data(await dig('db.apps.svc.cluster.local', { port }))).toEqual(['10.244.1.5', '10.244.2.6']);
    expect(data(await dig('db-0.db.apps.svc.cluster.local', { port }))).toEqual(['10.244.1.5']);
    expect(data(await dig('_http._tcp.db.apps.svc.cluster.local', { port, type: 'SRV' }))).toEqual([
      '0 50 8080 db-0.db.apps.svc.cluster.local.',
      '0 50 8080 db-1.db.apps.svc.cluster.local.',
    ]);

    expect(data(await dig('10-244-3-7.default.pod.cluster.local', { port }))).toEqual(['10.244.3.7']);
    // pods verified: only an address a pod of that namespace has.
    expect((await dig('10-244-3-8.default.pod.cluster.local', { port })).status).toBe('NXDOMAIN');
    expect((await dig('10-244-3-7.apps.pod.cluster.local', { port })).status).toBe('NXDOMAIN');

    expect(data(await dig('10.0.96.10.in-addr.arpa', { port, type: 'PTR' }))).toEqual(['web.default.svc.cluster.local.']);
    expect(data(await dig('6.2.244.10.in-addr.arpa', { port, type: 'PTR' }))).toEqual(['db-1.db.apps.svc.cluster.local.']);

    const missing = await dig('nothere.default.svc.cluster.local', { port });
    expect(missing.status).toBe('NXDOMAIN');
    expect(missing.authority.map((r) => r.type)).toEqual(['SOA']);
  });

  it('follows ADDED, MODIFIED and DELETED events within a second', async () => {
    const { api, dns } = cluster;
    const port = dns.port;
    const name = 'fresh.default.svc.cluster.local';
    expect((await dig(name, { port })).status).toBe('NXDOMAIN');

    api.upsert('service', serviceObject('default', 'fresh', { clusterIP: '10.96.0.20' }));
    await digUntil(port, name, 'A', (r) => data(r).join() === '10.96.0.20');
    await digUntil(port, '20.0.96.10.in-addr.arpa', 'PTR', (r) => data(r).join() === 'fresh.default.svc.cluster.local.');

    api.upsert('service', serviceObject('default', 'fresh', { clusterIP: '10.96.0.20', port: 8443 }));
    await digUntil(port, `_http._tcp.${name}`, 'SRV', (r) => data(r).join() === `0 100 8443 ${name}.`);

    api.upsert('endpointslice', endpointSliceObject('apps', 'db', 'db-abc', ['10.244.1.5', '10.244.2.6', '10.244.4.8']));
    await digUntil(port, 'db.apps.svc.cluster.local', 'A', (r) => data(r).join() === '10.244.1.5,10.244.2.6,10.244.4.8');
    await digUntil(port, 'db-2.db.apps.svc.cluster.local', 'A', (r) => data(r).join() === '10.244.4.8');

    api.upsert('pod', podObject('default', 'web-2', '10.244.3.9'));
    await digUntil(port, '10-244-3-9.default.pod.cluster.local', 'A', (r) => data(r).join() === '10.244.3.9');

    api.remove('service', 'default', 'fresh');
    await digUntil(port, name, 'A', (r) => r.status === 'NXDOMAIN');
    await digUntil(port, '20.0.96.10.in-addr.arpa', 'PTR', (r) => r.status === 'NXDOMAIN');
    api.remove('endpointslice', 'apps', 'db-abc');
    // As in CoreDNS, a headless service without endpoints has no name.
    await digUntil(port, 'db.apps.svc.cluster.local', 'A', (r) => r.status === 'NXDOMAIN');
    api.remove('pod', 'default', 'web-2');
    await digUntil(port, '10-244-3-9.default.pod.cluster.local', 'A', (r) => r.status === 'NXDOMAIN');
  });
});

describe('answers while the API misbehaves', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(seedCluster);
  });
  afterAll(async () => cluster?.stop());

  it('keeps answering every query for existing names through stream ends, resets, 500s, 410s and a hang, then resumes watching', async () => {
    const { api, dns } = cluster;
    const expected = new Map([
      ['web.default.svc.cluster.local', ['10.96.0.10']],
      ['db.apps.svc.cluster.local', ['10.244.1.5', '10.244.2.6']],
      ['10-244-3-7.default.pod.cluster.local', ['10.244.3.7']],
    ]);
    await eventually(() => api.watchCount() === WATCHED_TYPES, 'a watch per type');
    await sleep(SETTLE_MS);
    const queries = startQueryLoop(dns.port, expected, 5000, 35_000);
    /** Each fault lasts until every loop has opened a new watch and this many queries were answered meanwhile. */
    const duringEachFault = 30;
    const ride = async (what: string, inject: () => void): Promise<void> => {
      const requestsBefore = api.requests.length;
      const queriesBefore = queries.count();
      inject();
      const newWatches = (): number => api.requests.slice(requestsBefore).filter((r) => r.watch).length;
      await eventually(() => newWatches() >= WATCHED_TYPES && api.watchCount() === WATCHED_TYPES, `watches back after ${what}`, 10_000);
      // A watch that ends within a second of opening counts as failed and backs off further
      // (reflector.ts): each fault hits watches that have settled, as faults in a cluster do.
      const back = Date.now();
      await eventually(() => Date.now() - back >= SETTLE_MS && queries.count() >= queriesBefore + duringEachFault, `queries after ${what}`, 10_000);
    };
    let wrong: string[];
    try {
      await ride('closed streams', () => api.faults.closeStreams());
      await ride('reset sockets', () => api.faults.resetSockets());
      // Every request consumes one: two failed rounds of the four loops, with the real backoff.
      await ride('500s', () => {
        api.faults.failNext(2 * WATCHED_TYPES, 500);
        api.faults.closeStreams();
      });
      const listsBefore = api.requests.filter((r) => !r.watch).length;
      await ride('ERROR 410 events', () => api.faults.expireWatches());
      await ride('HTTP 410 on the watches', () => {
        for (const kind of ['service', 'endpointslice', 'pod', 'namespace'] as const) api.faults.goneNext(1, kind);
        api.faults.closeStreams();
      });
      // Both kinds of 410 made every loop list again.
      expect(api.requests.filter((r) => !r.watch).length - listsBefore).toBeGreaterThanOrEqual(2 * WATCHED_TYPES);

      const hungFrom = api.requests.length;
      api.faults.hang = true;
      api.faults.closeStreams();
      const hungQueries = queries.count();
      await eventually(() => api.requests.length >= hungFrom + WATCHED_TYPES && queries.count() >= hungQueries + duringEachFault, 'requests hung', 8000);
      expect(api.watchCount()).toBe(0);
      // Hung requests only end when their connections do (the idle timeout is minutes).
      await ride('the hang', () => {
        api.faults.hang = false;
        api.faults.resetSockets();
      });
    } finally {
      wrong = await queries.finish();
    }
    expect(wrong).toEqual([]);
    expect(queries.count()).toBeGreaterThanOrEqual(6 * duringEachFault);

    // The server is still up and the watches deliver again.
    api.upsert('service', serviceObject('default', 'after-faults', { clusterIP: '10.96.0.30' }));
    await digUntil(dns.port, 'after-faults.default.svc.cluster.local', 'A', (r) => data(r).join() === '10.96.0.30');
    api.upsert('endpointslice', endpointSliceObject('apps', 'db', 'db-abc', ['10.244.1.5']));
    await digUntil(dns.port, 'db.apps.svc.cluster.local', 'A', (r) => data(r).join() === '10.244.1.5');
  }, 40_000);
});

describe('startup against an API that fails at first', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    // Three failed rounds of the four loops with the real backoff (0.4-0.8 s, then 0.8-1.6 s, then
    // 1.6-3.2 s): the first list succeeds 2.8 s or more after start, well after startup_timeout.
    cluster = await startCluster((api) => {
      seedCluster(api);
      api.faults.failNext(3 * WATCHED_TYPES, 500);
    }, '  startup_timeout 1s\n');
  });
  afterAll(async () => cluster?.stop());

  it('starts after startup_timeout answering SERVFAIL for cluster names, then answers once the API recovers', async () => {
    const port = cluster.dns.port;
    const early = await dig('web.default.svc.cluster.local', { port });
    expect(early.status).toBe('SERVFAIL');
    expect((await dig('10.0.96.10.in-addr.arpa', { port, type: 'PTR' })).status).toBe('SERVFAIL');
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    await expect(resolver.resolve4('db.apps.svc.cluster.local')).rejects.toMatchObject({ code: 'ESERVFAIL' });

    await digUntil(port, 'web.default.svc.cluster.local', 'A', (r) => data(r).join() === '10.96.0.10', 10_000);
    expect(data(await dig('10.0.96.10.in-addr.arpa', { port, type: 'PTR' }))).toEqual(['web.default.svc.cluster.local.']);
    expect((await resolver.resolve4('db.apps.svc.cluster.local')).sort()).toEqual(['10.244.1.5', '10.244.2.6']);
    expect((await dig('nothere.default.svc.cluster.local', { port })).status).toBe('NXDOMAIN');
  });
});
