import { afterEach, describe, expect, it } from 'vitest';
import { RCode, RRType } from '../../dns/constants.ts';
import { emptyReply } from '../../dns/reply.ts';
import type { Reply } from '../../dns/types.ts';
import { silentLogger } from '../../log.ts';
import { directive } from '../../test-support/corefile.ts';
import { answerOptions, fixtureCluster, pod, service } from '../../test-support/kubernetes.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { setupContext } from '../../test-support/setup-context.ts';
import { linkedExchanges } from '../../test-support/threads.ts';
import { eventually } from '../../test-support/wait.ts';
import { clusterChangesOffer, type ClusterChanges } from '../../toolkit/offers.ts';
import { SINGLE_THREAD, type ThreadLink } from '../../toolkit/threads.ts';
import type { Handler, Request, SetupContext } from '../../toolkit/types.ts';
import { ChangeFeed } from './changes.ts';
import { ANY_CHANGE, ANY_SERVICE, PODS, serviceDependency, WHOLE_CLUSTER } from './dependencies.ts';
import { createKubernetesHandler } from './handler.ts';
import { kubernetesPlugin, setupKubernetes } from './index.ts';
import type { ClusterSource, ClusterWriter } from '../../cluster/types.ts';

const next: Handler = () => emptyReply(RCode.REFUSED);
const request = (name: string, type: number = RRType.A): Request => requestFor(queryFor(name, type));
const resolved = (value: Reply): Promise<Reply> => new Promise((resolve) => setTimeout(() => resolve(value), 1));

/** The keys `changes` notes while `handler` answers `name`, synchronously or not. */
async function recorded(changes: ClusterChanges, handler: Handler, name: string, type: number = RRType.A): Promise<string[]> {
  const into = new Set<string>();
  await changes.recording(into, () => handler(request(name, type)));
  return [...into].sort();
}

describe('ChangeFeed', () => {
  it('notes into the recording a query runs in, across awaits, and nowhere else', async () => {
    const feed = new ChangeFeed();
    const first = new Set<string>();
    const second = new Set<string>();
    const answer = emptyReply(RCode.NOERROR);
    const pending = feed.recording(first, async () => {
      feed.note(['a']);
      await resolved(answer);
      feed.note(['b']);
      return answer;
    });
    feed.recording(second, () => {
      feed.note(['c']);
      return answer;
    });
    expect(feed.recordingOpen).toBe(true);
    expect(await pending).toBe(answer);
    feed.note(['outside']);
    expect([...first]).toEqual(['a', 'b']);
    expect([...second]).toEqual(['c']);
    expect(feed.recordingOpen).toBe(false);
  });

  it('notes WHOLE_CLUSTER for an answer without keys, so it is known to come from the cluster', () => {
    const feed = new ChangeFeed();
    const into = new Set<string>();
    feed.recording(into, () => {
      feed.note([]);
      return emptyReply(RCode.NXDOMAIN);
    });
    expect([...into]).toEqual([WHOLE_CLUSTER]);
  });

  it('closes a recording whose query throws or rejects', async () => {
    const feed = new ChangeFeed();
    expect(() =>
      feed.recording(new Set(), () => {
        throw new Error('sync');
      }),
    ).toThrow('sync');
    await expect(feed.recording(new Set(), () => Promise.reject(new Error('async')))).rejects.toThrow('async');
    expect(feed.recordingOpen).toBe(false);
  });

  it('tells subscribers of each change until they unsubscribe', () => {
    const feed = new ChangeFeed();
    const heard: (readonly string[] | null)[] = [];
    const unsubscribe = feed.subscribe((keys) => heard.push(keys));
    feed.publish(['x']);
    feed.publish(null);
    unsubscribe();
    feed.publish(['y']);
    expect(heard).toEqual([['x'], null]);
  });
});

describe('what kubernetes answers note, on the main thread', () => {
  function setup() {
    const store = fixtureCluster();
    const kubernetes = createKubernetesHandler(store, answerOptions({ zones: ['cluster.local', 'in-addr.arpa'], pods: 'verified' }), silentLogger);
    return { store, kubernetes, handler: kubernetes.factory(next) };
  }

  it('a service name: that service, computed or from the memo', async () => {
    const { kubernetes, handler } = setup();
    const svc1 = serviceDependency('testns', 'svc1');
    expect(await recorded(kubernetes.changes, handler, 'svc1.testns.svc.cluster.local')).toEqual([svc1]);
    expect(await recorded(kubernetes.changes, handler, 'svc1.testns.svc.cluster.local')).toEqual([svc1]);
    expect(await recorded(kubernetes.changes, handler, '_http._tcp.svc1.testns.svc.cluster.local', RRType.SRV)).toEqual([svc1]);
    expect(await recorded(kubernetes.changes, handler, 'ep1a.svc1.testns.svc.cluster.local')).toEqual([svc1]);
  });

  it('a missing name: the service it would be, not the SOA serial that moves with every change', async () => {
    const { kubernetes, handler } = setup();
    expect(await recorded(kubernetes.changes, handler, 'nope.testns.svc.cluster.local')).toEqual([serviceDependency('testns', 'nope')]);
    expect(await recorded(kubernetes.changes, handler, 'nope.testns.svc.cluster.local', RRType.AAAA)).toEqual([serviceDependency('testns', 'nope')]);
  });

  it('PTR: any service; verified pod names: the pods; the apex SOA: any change; a namespace alone: the whole cluster', async () => {
    const { kubernetes, handler } = setup();
    // No wildcards in CoreDNS 1.14: `*` is the service of that name.
    expect(await recorded(kubernetes.changes, handler, '*.testns.svc.cluster.local')).toEqual([serviceDependency('testns', '*')]);
    expect(await recorded(kubernetes.changes, handler, '1.0.0.10.in-addr.arpa', RRType.PTR)).toEqual([ANY_SERVICE]);
    expect(await recorded(kubernetes.changes, handler, '10-240-0-1.podns.pod.cluster.local')).toEqual([PODS]);
    expect(await recorded(kubernetes.changes, handler, 'cluster.local', RRType.SOA)).toEqual([ANY_CHANGE]);
    expect(await recorded(kubernetes.changes, handler, 'testns.svc.cluster.local')).toEqual([WHOLE_CLUSTER]);
  });

  it('a name spelled with capitals, answered each time, notes the same', async () => {
    const { kubernetes, handler } = setup();
    expect(await recorded(kubernetes.changes, handler, 'SVC1.testns.svc.cluster.local')).toEqual([serviceDependency('testns', 'svc1')]);
  });

  it('names outside its zones note nothing', async () => {
    const { kubernetes, handler } = setup();
    expect(await recorded(kubernetes.changes, handler, 'example.org')).toEqual([]);
  });

  it('publishes what each store change touches, null when a namespace changes', () => {
    const { store, kubernetes } = setup();
    const heard: (readonly string[] | null)[] = [];
    kubernetes.changes.subscribe((keys) => heard.push(keys));
    store.upsert('service', service('testns', 'late', { clusterIPs: ['10.0.0.99'] }));
    store.upsert('pod', pod('podns', 'new', ['10.240.0.9']));
    store.upsert('namespace', { name: 'fresh', labels: {} });
    expect(heard).toEqual([[ANY_CHANGE, ANY_SERVICE, serviceDependency('testns', 'late')], [ANY_CHANGE, PODS], null]);
  });
});

/** A source that syncs when told. */
class ManualSource implements ClusterSource {
  readonly name = 'manual';
  writer: ClusterWriter | undefined;
  async start(writer: ClusterWriter): Promise<void> {
    this.writer = writer;
  }
  async stop(): Promise<void> {}
}

describe('what kubernetes answers note, on a worker thread', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function context(threads: ThreadLink): SetupContext {
    return setupContext({ zones: ['cluster.local'], onShutdown: (fn) => void cleanups.push(fn), threads });
  }

  it("notes the main thread's dependencies for what it learns and knows, and hears the main thread's changes", async () => {
    const { main, worker, close } = linkedExchanges();
    cleanups.push(close);
    const options = kubernetesPlugin.parse(directive('kubernetes cluster.local', 'cluster.local'));
    const source = new ManualSource();
    await setupKubernetes({ ...options, startupTimeoutMs: 0 }, context(main.scoped('k/').link), { source, localIPs: [] });
    const workerContext = context(worker.scoped('k/').link);
    const onWorker = await setupKubernetes(options, workerContext, { localIPs: [] });
    const changes = clusterChangesOffer.find(workerContext)!;
    const handler = onWorker.handler!(next);
    source.writer!.replace({ services: [service('shop', 'web', { clusterIPs: ['10.0.0.1'] })], namespaces: [{ name: 'shop', labels: {} }] });
    source.writer!.markSynced();

    const web = serviceDependency('shop', 'web');
    expect(await recorded(changes, handler, 'web.shop.svc.cluster.local')).toEqual([web]);
    // From the worker's memo now, with the same keys.
    expect(handler(request('web.shop.svc.cluster.local'))).not.toBeInstanceOf(Promise);
    expect(await recorded(changes, handler, 'web.shop.svc.cluster.local')).toEqual([web]);
    expect(await recorded(changes, handler, 'Web.shop.svc.cluster.local')).toEqual([web]);
    expect(((await handler(request('Web.shop.svc.cluster.local'))) as Reply).answerCount).toBe(1);
    expect(((await handler(request('Web.shop.svc.cluster.local'))) as Reply).qname).toBe('Web.shop.svc.cluster.local');
    expect(await recorded(changes, handler, 'gone.shop.svc.cluster.local')).toEqual([serviceDependency('shop', 'gone')]);

    const heard: (readonly string[] | null)[] = [];
    changes.subscribe((keys) => heard.push(keys));
    source.writer!.upsert('service', service('shop', 'gone', { clusterIPs: ['10.0.0.2'] }));
    await eventually(() => heard.length === 1, 'the change to reach the worker');
    expect(heard).toEqual([[ANY_CHANGE, ANY_SERVICE, serviceDependency('shop', 'gone')]]);
    // Heard after the worker's memo dropped the entry: the next answer is the new one.
    expect(((await handler(request('gone.shop.svc.cluster.local'))) as Reply).rcode).toBe(RCode.NOERROR);
  });

  it('is offered on the main thread too', async () => {
    const options = kubernetesPlugin.parse(directive('kubernetes cluster.local', 'cluster.local'));
    const source = new ManualSource();
    const mainContext = context(SINGLE_THREAD);
    await setupKubernetes({ ...options, startupTimeoutMs: 0 }, mainContext, { source, localIPs: [] });
    expect(clusterChangesOffer.find(mainContext)).toBeInstanceOf(ChangeFeed);
  });
});
