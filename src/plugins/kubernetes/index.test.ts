import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterSource, ClusterWriter } from '../../cluster/types.ts';
import { CorefileError } from '../../corefile/types.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { emptyReply } from '../../dns/reply.ts';
import type { Reply } from '../../dns/types.ts';
import { silentLogger } from '../../log.ts';
import { directive } from '../../test-support/corefile.ts';
import { service } from '../../test-support/kubernetes.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { clusterViewOffer } from '../../toolkit/offers.ts';
import type { Handler, Readiness, SetupContext } from '../../toolkit/types.ts';
import { kubernetesPlugin, localAddresses, setupKubernetes } from './index.ts';
import { withImplicitNamespaces } from './source.ts';
import { SINGLE_THREAD, type ThreadLink } from '../../toolkit/threads.ts';
import { linkedExchanges } from '../../test-support/threads.ts';
import { eventually } from '../../test-support/wait.ts';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function testContext(zones: string[] = ['cluster.local'], threads: ThreadLink = SINGLE_THREAD) {
  const shutdown: (() => void | Promise<void>)[] = [];
  const readiness: Readiness[] = [];
  const context: SetupContext = {
    zones,
    corefile: 'Corefile',
    logger: silentLogger,
    onShutdown: (fn) => void shutdown.push(fn),
    addReadiness: (r) => void readiness.push(r),
    shared: new Map(),
    threads,
  };
  cleanups.push(async () => {
    for (const fn of shutdown) await fn();
  });
  return { context, readiness };
}

const inClusterLocal = (body: string, keys = 'cluster.local') => directive(body, keys);

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clusterdns-kubernetes-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function ask(handler: Handler, name: string, type: number = RRType.A): Reply {
  return handler(requestFor(queryFor(name, type))) as Reply;
}

const next: Handler = () => emptyReply(RCode.REFUSED);

const MANIFEST = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.96.0.20
  ports: [{name: http, port: 80}]
`;

/** A source that never syncs unless told, to see what the plugin does before the first sync. */
class ManualSource implements ClusterSource {
  readonly name = 'manual';
  writer: ClusterWriter | undefined;
  stopped = false;
  async start(writer: ClusterWriter): Promise<void> {
    this.writer = writer;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

describe('kubernetes plugin setup', () => {
  it('serves manifests, publishes its view, reports readiness, and stops its source on shutdown', async () => {
    const dir = await tempDir();
    const file = join(dir, 'cluster.yaml');
    await writeFile(file, MANIFEST);
    const options = kubernetesPlugin.parse(inClusterLocal(`kubernetes {\n  manifests ${file}\n}`));
    const { context, readiness } = testContext();
    const instance = await kubernetesPlugin.setup(options, context);
    const handler = instance.handler!(next);

    const reply = ask(handler, 'web.shop.svc.cluster.local');
    expect(reply.rcode).toBe(RCode.NOERROR);
    expect(reply.answerCount).toBe(1);
    // The namespace is implied by the service; no manifest declares it.
    expect(ask(handler, 'shop.svc.cluster.local').rcode).toBe(RCode.NOERROR);
    expect(ask(handler, 'nope.shop.svc.cluster.local').rcode).toBe(RCode.NXDOMAIN);
    expect(ask(handler, 'example.org').rcode).toBe(RCode.REFUSED);
    expect(readiness.map((r) => [r.name, r.ready()])).toEqual([['kubernetes', true]]);
    const view = clusterViewOffer.find(context);
    expect(view?.service('shop', 'web')?.clusterIPs).toEqual(['10.96.0.20']);
  });

  it('aborts setup with the manifests error when the first load fails', async () => {
    const dir = await tempDir();
    const options = kubernetesPlugin.parse(inClusterLocal(`kubernetes {\n  manifests ${join(dir, 'missing.yaml')}\n}`));
    await expect(kubernetesPlugin.setup(options, testContext().context)).rejects.toThrow(/missing\.yaml/);
  });

  it('aborts setup when the API cannot be reached for want of configuration', async () => {
    const dir = await tempDir();
    const options = kubernetesPlugin.parse(inClusterLocal(`kubernetes {\n  kubeconfig ${join(dir, 'nope.conf')}\n}`));
    await expect(kubernetesPlugin.setup(options, testContext().context)).rejects.toThrow(/nope\.conf/);
  });

  it('takes the server block zones when the directive names none, and needs a forward one', async () => {
    const options = kubernetesPlugin.parse(inClusterLocal('kubernetes', 'example.org in-addr.arpa'));
    expect(options.zones).toEqual([]);
    const source = new ManualSource();
    const { context } = testContext(['example.org', '10.in-addr.arpa']);
    const instance = await setupKubernetes({ ...options, startupTimeoutMs: 0 }, context, { source, localIPs: [] });
    source.writer!.replace({ services: [service('a', 'b', { clusterIPs: ['10.0.0.1'] })], namespaces: [{ name: 'a', labels: {} }] });
    source.writer!.markSynced();
    const handler = instance.handler!(next);
    expect(ask(handler, 'b.a.svc.example.org').answerCount).toBe(1);
    expect(ask(handler, 'b.a.svc.cluster.local').rcode).toBe(RCode.REFUSED);
    expect(ask(handler, '1.0.0.10.in-addr.arpa', RRType.PTR).answerCount).toBe(1);

    const reverseOnly = testContext(['10.in-addr.arpa']).context;
    await expect(setupKubernetes(options, reverseOnly, { source: new ManualSource() })).rejects.toThrow(CorefileError);
    await expect(setupKubernetes(options, reverseOnly, { source: new ManualSource() })).rejects.toThrow(/non-reverse zone name must be used/);
  });

  it('starts unsynced after startup_timeout, answering SERVFAIL until the source syncs', async () => {
    const options = kubernetesPlugin.parse(inClusterLocal('kubernetes cluster.local {\n  startup_timeout 20ms\n}'));
    const source = new ManualSource();
    const { context, readiness } = testContext();
    const instance = await setupKubernetes(options, context, { source, localIPs: [] });
    const handler = instance.handler!(next);
    expect(readiness[0]!.ready()).toBe(false);
    expect(ask(handler, 'web.shop.svc.cluster.local').rcode).toBe(RCode.SERVFAIL);
    source.writer!.replace({ services: [service('shop', 'web', { clusterIPs: ['10.0.0.1'] })], namespaces: [{ name: 'shop', labels: {} }] });
    expect(ask(handler, 'web.shop.svc.cluster.local').rcode).toBe(RCode.SERVFAIL);
    source.writer!.markSynced();
    expect(readiness[0]!.ready()).toBe(true);
    expect(ask(handler, 'web.shop.svc.cluster.local').answerCount).toBe(1);
    expect(source.stopped).toBe(false);
    for (const cleanup of cleanups.splice(0)) await cleanup();
    expect(source.stopped).toBe(true);
  });

  it('is once per server block', () => {
    expect(kubernetesPlugin).toMatchObject({ name: 'kubernetes', once: true });
  });
});

describe('withImplicitNamespaces', () => {
  it('adds undeclared namespaces objects live in, labelled as the API server does, once each', () => {
    const state = withImplicitNamespaces({
      services: [service('a', 'x'), service('b', 'y'), service('a', 'z')],
      endpointSlices: [],
      pods: [],
      namespaces: [{ name: 'b', labels: { team: 'x' } }],
      serviceImports: [],
    });
    expect(state.namespaces).toEqual([
      { name: 'b', labels: { team: 'x' } },
      { name: 'a', labels: { 'kubernetes.io/metadata.name': 'a' } },
    ]);
  });
});

describe('localAddresses', () => {
  it('leaves out loopback addresses', () => {
    expect(localAddresses().filter((a) => a === '127.0.0.1' || a === '::1')).toEqual([]);
  });
});

describe('kubernetes plugin on a worker thread', () => {
  it('answers from the main thread, keeps what it learned, and drops it when the main thread says the cluster changed', async () => {
    const { main, worker, close } = linkedExchanges();
    cleanups.push(close);
    const options = kubernetesPlugin.parse(inClusterLocal('kubernetes cluster.local'));
    const source = new ManualSource();
    const onMain = await setupKubernetes({ ...options, startupTimeoutMs: 0 }, testContext(['cluster.local'], main.scoped('k/').link).context, { source, localIPs: [] });
    const onWorker = await setupKubernetes(options, testContext(['cluster.local'], worker.scoped('k/').link).context, { localIPs: [] });
    const mainHandler = onMain.handler!(next);
    const workerHandler = onWorker.handler!(next);

    const before = (await workerHandler(requestFor(queryFor('web.shop.svc.cluster.local', RRType.A)))) as Reply;
    expect(before.rcode).toBe(RCode.SERVFAIL);
    source.writer!.replace({ services: [service('shop', 'web', { clusterIPs: ['10.0.0.1'] })], namespaces: [{ name: 'shop', labels: {} }] });
    source.writer!.markSynced();

    const learned = (await workerHandler(requestFor(queryFor('web.shop.svc.cluster.local', RRType.A)))) as Reply;
    expect(learned.answerCount).toBe(1);
    // Known now: answered on the worker without asking, the same bytes as the main thread's.
    const again = workerHandler(requestFor(queryFor('web.shop.svc.cluster.local', RRType.A))) as Reply;
    expect(again.body).toEqual(ask(mainHandler, 'web.shop.svc.cluster.local').body);
    const missing = (await workerHandler(requestFor(queryFor('gone.shop.svc.cluster.local', RRType.A)))) as Reply;
    expect(missing.rcode).toBe(RCode.NXDOMAIN);
    expect(workerHandler(requestFor(queryFor('gone.shop.svc.cluster.local', RRType.A)))).not.toBeInstanceOf(Promise);

    source.writer!.upsert('service', service('shop', 'web', { clusterIPs: ['10.0.0.2'] }));
    // The main thread's invalidation reaches the worker as a message: the entry goes, so it asks again.
    let changed: Reply | Promise<Reply> = ask(mainHandler, 'web.shop.svc.cluster.local');
    await eventually(() => (changed = workerHandler(requestFor(queryFor('web.shop.svc.cluster.local', RRType.A)))) instanceof Promise, 'the worker to drop the answer');
    changed = await changed;
    expect((changed as Reply).body.subarray(-4)).toEqual(Buffer.from([10, 0, 0, 2]));
    // The negative answer's SOA serial moved with the change: asked again, not kept.
    expect(workerHandler(requestFor(queryFor('gone.shop.svc.cluster.local', RRType.A)))).toBeInstanceOf(Promise);
  });
});
