import { describe, expect, it } from 'vitest';
import { RCode } from '../../dns/constants.ts';
import type { Reply } from '../../dns/types.ts';
import { addresses, cacheUnderTest, Origin, reply } from '../../test-support/cache.ts';
import { aRecords, soa } from '../../test-support/records.ts';
import type { ClusterChanges } from '../../toolkit/offers.ts';
import type { Request } from '../../toolkit/types.ts';

/**
 * The kubernetes plugin's ClusterChanges as the cache sees it: answers note their keys into the
 * recording they are asked in (`current`, here without async context: an answer notes when asked).
 */
class FakeCluster implements ClusterChanges {
  recordings = 0;
  private current: Set<string> | null = null;
  private readonly listeners = new Set<(keys: readonly string[] | null) => void>();

  recording(into: Set<string>, ask: () => Reply | Promise<Reply>): Reply | Promise<Reply> {
    this.recordings++;
    const outer = this.current;
    this.current = into;
    try {
      return ask();
    } finally {
      this.current = outer;
    }
  }

  /** What the answer being made depends on. */
  note(...keys: string[]): void {
    for (const key of keys) this.current?.add(key);
  }

  subscribe(listener: (keys: readonly string[] | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  change(keys: readonly string[] | null): void {
    for (const listener of this.listeners) listener(keys);
  }
}

/** Names under cluster.local depend on the service they name (`svc <label>`); others on nothing. */
function clusterAnswers(cluster: FakeCluster, address = '10.0.0.1'): (request: Request) => Reply {
  return (request) => {
    const { name } = request.query;
    if (!name.endsWith('.cluster.local')) return reply(name, { answer: aRecords(name, 30, '192.0.2.1') });
    const service = name.split('.')[0]!;
    cluster.note(`svc ${service}`);
    if (service.startsWith('missing')) return reply(name, { authority: [soa('cluster.local', 30, 30)] }, RCode.NXDOMAIN);
    return reply(name, { answer: aRecords(name, 30, address) });
  };
}

function following(text = 'cache 30') {
  const cluster = new FakeCluster();
  const origin = new Origin(clusterAnswers(cluster));
  const t = cacheUnderTest(text, origin);
  const unfollow = t.cache.follow(cluster);
  return { ...t, cluster, unfollow };
}

describe('cache: coherence with the cluster', () => {
  it('drops a positive and a negative answer when a change touches what they were computed from', async () => {
    const t = following();
    await t.ask('web.cluster.local');
    expect((await t.ask('missing.cluster.local')).rcode).toBe(RCode.NXDOMAIN);
    await t.ask('web.cluster.local');
    await t.ask('missing.cluster.local');
    expect(t.origin.calls).toBe(2);

    t.cluster.change(['any change', 'svc web', 'svc missing']);
    expect(t.cache.store.sizes()).toEqual({ success: 0, denial: 0 });
    await t.ask('web.cluster.local');
    await t.ask('missing.cluster.local');
    expect(t.origin.calls).toBe(4);
  });

  it('keeps answers a change does not touch, and answers from outside the cluster even when everything changes', async () => {
    const t = following();
    await t.ask('web.cluster.local');
    await t.ask('api.cluster.local');
    await t.ask('example.org');
    t.cluster.change(['svc api']);
    expect(t.cache.store.sizes()).toEqual({ success: 2, denial: 0 });
    t.cluster.change(null);
    expect(t.cache.store.sizes()).toEqual({ success: 1, denial: 0 });
    await t.ask('example.org');
    expect(t.origin.calls).toBe(3);
  });

  it('drops an answer made from several lookups (a search-path walk) when any of them changes', async () => {
    const cluster = new FakeCluster();
    const lookups = clusterAnswers(cluster);
    // As autopath answers `web.other.default.svc...`: tries that fail, then one that answers.
    const origin = new Origin((request) => {
      lookups({ ...request, query: { ...request.query, name: 'missing-web.cluster.local' } });
      const found = lookups({ ...request, query: { ...request.query, name: 'web.cluster.local' } });
      return { ...found, qname: request.query.name };
    });
    const t = cacheUnderTest('cache 30', origin);
    t.cache.follow(cluster);
    await t.ask('web.other.cluster.local');
    cluster.change(['svc missing-web']);
    await t.ask('web.other.cluster.local');
    cluster.change(['svc web']);
    await t.ask('web.other.cluster.local');
    await t.ask('web.other.cluster.local');
    expect(origin.calls).toBe(3);
  });

  it('does not keep an answer when the cluster changed while it was on its way', async () => {
    const cluster = new FakeCluster();
    const answer = clusterAnswers(cluster);
    let release: () => void = () => {};
    const origin = new Origin((request) => {
      const made = answer(request);
      return new Promise<Reply>((resolve) => (release = () => resolve(made)));
    });
    const t = cacheUnderTest('cache 30', origin);
    t.cache.follow(cluster);
    const first = t.ask('web.cluster.local');
    cluster.change(['svc other']);
    release();
    expect(addresses(await first)).toEqual(['10.0.0.1']);
    expect(t.cache.store.sizes()).toEqual({ success: 0, denial: 0 });
    // With nothing changing on the way, it is kept.
    const second = t.ask('web.cluster.local');
    release();
    await second;
    expect(t.cache.store.sizes()).toEqual({ success: 1, denial: 0 });
  });

  it('records nothing on a hit, and forgets an item that was replaced', async () => {
    const t = following();
    await t.ask('web.cluster.local');
    await t.ask('web.cluster.local');
    expect(t.cluster.recordings).toBe(1);
    // Expired and asked again: the new item replaces the old one in the index too.
    t.clock.advance(31);
    await t.ask('web.cluster.local');
    expect(t.cluster.recordings).toBe(2);
    expect(t.cache.store.dropDependents(['svc web'])).toBe(1);
    expect(t.cache.store.dropDependents(['svc web'])).toBe(0);
  });

  it('forgets items pushed out by newer ones', async () => {
    const t = following('cache 30 {\n success 1024\n}');
    for (let i = 0; i < 1025; i++) await t.ask(`web${i}.cluster.local`);
    expect(t.cache.store.sizes().success).toBe(1024);
    expect(t.cache.store.dropDependents(['svc web0'])).toBe(0);
    expect(t.cache.store.dropDependents(['svc web1'])).toBe(1);
  });

  it('refreshes (prefetch) under a recording too', async () => {
    const t = following('cache 30 {\n prefetch 1 1m 50%\n}');
    await t.ask('web.cluster.local');
    t.clock.advance(20);
    await t.ask('web.cluster.local');
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.origin.calls).toBe(2);
    expect(t.cluster.recordings).toBe(2);
    t.cluster.change(['svc web']);
    expect(t.cache.store.sizes()).toEqual({ success: 0, denial: 0 });
  });

  it('with prefer_positive, drops an item when the last good answer it keeps changes', async () => {
    const cluster = new FakeCluster();
    let empty = false;
    const answer = clusterAnswers(cluster);
    const origin = new Origin((request) => {
      if (!empty) return answer(request);
      // An empty NOERROR without an SOA: positive, but no answer to the question.
      cluster.note('svc other');
      return reply(request.query.name, {});
    });
    const t = cacheUnderTest('cache 30 {\n serve_stale\n serve_stale_policy prefer_positive\n}', origin);
    t.cache.follow(cluster);
    await t.ask('web.cluster.local');
    empty = true;
    t.clock.advance(31);
    await t.ask('web.cluster.local');
    await new Promise((resolve) => setImmediate(resolve));
    // The empty answer is stored, keeping the last good one to answer with.
    expect([...t.cache.store.success.values()].map((item) => item.lastKnownGood === null)).toEqual([false]);
    cluster.change(['svc web']);
    expect(t.cache.store.sizes()).toEqual({ success: 0, denial: 0 });
  });

  it('stops following when told', async () => {
    const t = following();
    t.unfollow();
    await t.ask('web.cluster.local');
    expect(t.cluster.recordings).toBe(0);
    t.cluster.change(null);
    expect(t.cache.store.sizes()).toEqual({ success: 1, denial: 0 });
  });
});
