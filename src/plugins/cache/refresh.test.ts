import { setImmediate as flush } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode } from '../../dns/constants.ts';
import type { Reply } from '../../dns/types.ts';
import { addresses, cacheUnderTest, Origin, reply, ttls } from '../../test-support/cache.ts';
import { aRecords, soa } from '../../test-support/records.ts';
import type { Request } from '../../toolkit/types.ts';

/** An origin answering A with `current.address` and `current.ttl`, or what `current.make` says. */
function switchable(ttl: number) {
  const current: { address: string; ttl: number; make: ((r: Request) => Reply | Promise<Reply>) | null } = { address: '192.0.2.1', ttl, make: null };
  const origin = new Origin((r) => current.make?.(r) ?? reply(r.query.name, { answer: aRecords(r.query.name, current.ttl, current.address) }));
  return { origin, current };
}

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('cache: prefetch', () => {
  it('refreshes a popular item in the background once little TTL is left, serving the cached one meanwhile', async () => {
    const { origin, current } = switchable(80);
    const t = cacheUnderTest('cache {\n prefetch 1\n}', origin);
    await t.ask('example.org');
    current.address = '192.0.2.2';
    // 10% of 80 s: the threshold is 8 s left.
    t.clock.advance(71);
    expect(ttls(await t.ask('example.org'))).toEqual([9]);
    expect(origin.calls).toBe(1);
    t.clock.advance(1);
    const served = await t.ask('example.org');
    expect([addresses(served), ttls(served)]).toEqual([['192.0.2.1'], [8]]);
    expect(origin.calls).toBe(2);
    await flush();
    t.clock.advance(8);
    const refreshed = await t.ask('example.org');
    expect([addresses(refreshed), ttls(refreshed)]).toEqual([['192.0.2.2'], [72]]);
    expect(t.cache.metrics.forServer('dns://:53').prefetches).toBe(1);
  });

  it('asks as a client-less TCP request with AD set', async () => {
    const { origin } = switchable(10);
    const t = cacheUnderTest('cache {\n prefetch 1 1m 90%\n}', origin);
    await t.ask('example.org');
    t.clock.advance(2);
    await t.ask('example.org');
    const background = origin.requests[1]!;
    expect(background).toMatchObject({ transport: 'tcp', remoteAddress: '', remotePort: 0, server: 'dns://:53' });
    expect(background.query.flags & HeaderFlag.AD).toBe(HeaderFlag.AD);
    expect((background.query.raw[3] as number) & HeaderFlag.AD).toBe(HeaderFlag.AD);
    expect((origin.requests[0]!.query.raw[3] as number) & HeaderFlag.AD).toBe(0);
  });

  it('needs AMOUNT hits without a gap of DURATION', async () => {
    const { origin } = switchable(100);
    const t = cacheUnderTest('cache {\n prefetch 3 10s 50%\n}', origin);
    await t.ask('example.org');
    t.clock.advance(55);
    await t.ask('example.org');
    t.clock.advance(1);
    await t.ask('example.org');
    // The third hit comes after a gap longer than 10s: the run starts over.
    t.clock.advance(11);
    await t.ask('example.org');
    expect(origin.calls).toBe(1);
    await t.ask('example.org');
    await t.ask('example.org');
    expect(origin.calls).toBe(2);
  });

  it('keeps one refresh in flight per item however many hits arrive', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n prefetch 1 1m 90%\n}', origin);
    await t.ask('example.org');
    const pending = deferred<Reply>();
    current.make = () => pending.promise;
    t.clock.advance(2);
    for (let i = 0; i < 5; i++) await t.ask('example.org');
    expect(origin.calls).toBe(2);
    pending.resolve(reply('example.org', { answer: aRecords('example.org', 10, '192.0.2.3') }));
    await flush();
    expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.3']);
  });

  it('carries the hits over to the refreshed item, so it is prefetched again', async () => {
    const { origin } = switchable(10);
    const t = cacheUnderTest('cache {\n prefetch 2 1m 50%\n}', origin);
    await t.ask('example.org');
    t.clock.advance(5);
    await t.ask('example.org');
    await t.ask('example.org');
    expect(origin.calls).toBe(2);
    await flush();
    // The new item starts with two hits: the next hit late in its life prefetches at once.
    t.clock.advance(5);
    await t.ask('example.org');
    expect(origin.calls).toBe(3);
  });

  it('stores a SERVFAIL refresh without letting it shadow the good answer', async () => {
    const { origin, current } = switchable(600);
    const t = cacheUnderTest('cache {\n prefetch 1 1m 90%\n}', origin);
    await t.ask('example.org');
    current.make = (r) => reply(r.query.name, {}, RCode.SERVFAIL);
    t.clock.advance(61);
    await t.ask('example.org');
    await flush();
    expect(t.cache.store.sizes()).toEqual({ success: 1, denial: 1 });
    const next = await t.ask('example.org');
    expect([next.rcode, addresses(next)]).toEqual([RCode.NOERROR, ['192.0.2.1']]);
  });
});

describe('cache: serve_stale immediate', () => {
  it('serves an expired item with TTL 0 and refreshes it behind the answer', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale\n}', origin);
    await t.ask('example.org');
    current.address = '192.0.2.2';
    t.clock.advance(15);
    const stale = await t.ask('example.org');
    expect([addresses(stale), ttls(stale)]).toEqual([['192.0.2.1'], [0]]);
    expect(origin.calls).toBe(2);
    await flush();
    const fresh = await t.ask('example.org');
    expect([addresses(fresh), ttls(fresh)]).toEqual([['192.0.2.2'], [10]]);
    const counters = t.cache.metrics.forServer('dns://:53');
    expect([counters.servedStale, counters.prefetches]).toEqual([1, 1]);
  });

  it('answers with RESPONSE_TTL when one is set', async () => {
    const { origin } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale 1h immediate 30s\n}', origin);
    await t.ask('example.org');
    t.clock.advance(20);
    expect(ttls(await t.ask('example.org'))).toEqual([30]);
  });

  it('stops serving an item past DURATION: the query waits for a new answer', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale 10s\n}', origin);
    await t.ask('example.org');
    current.address = '192.0.2.2';
    t.clock.advance(19);
    expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.1']);
    await flush();
    t.clock.advance(20);
    expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.2']);
    const counters = t.cache.metrics.forServer('dns://:53');
    expect(counters.misses).toBe(2);
  });

  it('keeps serving stale while refreshes fail, retrying no sooner than FAILURE_RECHECK', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale 1h immediate 0 30s\n}', origin);
    await t.ask('example.org');
    current.make = () => {
      throw new Error('upstream down');
    };
    t.clock.advance(11);
    for (let i = 0; i < 3; i++) {
      expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.1']);
      await flush();
    }
    expect(origin.calls).toBe(2);
    t.clock.advance(30);
    await t.ask('example.org');
    expect(origin.calls).toBe(3);
  });

  it('retries on every query without FAILURE_RECHECK', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale\n}', origin);
    await t.ask('example.org');
    current.make = () => Promise.reject(new Error('upstream down'));
    t.clock.advance(11);
    for (let i = 0; i < 3; i++) {
      await t.ask('example.org');
      await flush();
    }
    expect(origin.calls).toBe(4);
  });

  it('does not replace a stale item with a SERVFAIL, but does with an NXDOMAIN', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale\n}', origin);
    await t.ask('example.org');
    current.make = (r) => reply(r.query.name, {}, RCode.SERVFAIL);
    t.clock.advance(11);
    await t.ask('example.org');
    await flush();
    expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.1']);
    current.make = (r) => reply(r.query.name, { authority: [soa('example.org', 60, 60)] }, RCode.NXDOMAIN);
    await flush();
    await t.ask('example.org');
    await flush();
    expect((await t.ask('example.org')).rcode).toBe(RCode.NXDOMAIN);
  });

  it('with prefer_positive, keeps answering the stale positive answer over a newer denial', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale\n serve_stale_policy prefer_positive\n}', origin);
    await t.ask('example.org');
    current.make = (r) => reply(r.query.name, { authority: [soa('example.org', 60, 60)] }, RCode.NXDOMAIN);
    t.clock.advance(11);
    await t.ask('example.org');
    await flush();
    expect(t.cache.store.sizes()).toEqual({ success: 1, denial: 1 });
    const answer = await t.ask('example.org');
    expect([answer.rcode, addresses(answer)]).toEqual([RCode.NOERROR, ['192.0.2.1']]);
    // A positive answer that comes back replaces it and clears the denial.
    current.make = null;
    current.address = '192.0.2.5';
    await flush();
    await t.ask('example.org');
    await flush();
    expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.5']);
    expect(t.cache.store.sizes()).toEqual({ success: 1, denial: 0 });
  });
});

describe('cache: serve_stale verify', () => {
  it('asks first and answers with the fresh answer when there is one', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale 1h verify\n}', origin);
    await t.ask('example.org');
    current.address = '192.0.2.2';
    t.clock.advance(11);
    const answer = await t.ask('example.org');
    expect([addresses(answer), ttls(answer)]).toEqual([['192.0.2.2'], [10]]);
    expect(t.cache.metrics.forServer('dns://:53').servedStale).toBe(0);
  });

  it('serves stale when the fresh attempt fails or answers SERVFAIL', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale 1h verify\n}', origin);
    await t.ask('example.org');
    t.clock.advance(11);
    current.make = () => Promise.reject(new Error('upstream down'));
    const afterFailure = await t.ask('example.org');
    expect([addresses(afterFailure), ttls(afterFailure)]).toEqual([['192.0.2.1'], [0]]);
    current.make = (r) => reply(r.query.name, {}, RCode.SERVFAIL);
    expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.1']);
    expect(origin.calls).toBe(3);
    expect(t.cache.metrics.forServer('dns://:53').servedStale).toBe(2);
  });

  it('with FAILURE_RECHECK, serves stale at once after a failed verify until the recheck time', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale 1h verify 0 0 30s\n}', origin);
    await t.ask('example.org');
    t.clock.advance(11);
    current.make = () => Promise.reject(new Error('upstream down'));
    await t.ask('example.org');
    await t.ask('example.org');
    expect(origin.calls).toBe(2);
    current.make = null;
    current.address = '192.0.2.8';
    t.clock.advance(30);
    expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.8']);
    expect(origin.calls).toBe(3);
  });

  it('with VERIFY_TIMEOUT, serves stale when the answer is late and stores it when it comes', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale 1h verify 20ms\n}', origin);
    await t.ask('example.org');
    const late = deferred<Reply>();
    current.make = () => late.promise;
    t.clock.advance(11);
    expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.1']);
    late.resolve(reply('example.org', { answer: aRecords('example.org', 10, '192.0.2.4') }));
    await flush();
    const fresh = await t.ask('example.org');
    expect([addresses(fresh), fresh.authoritative]).toEqual([['192.0.2.4'], true]);
  });

  it('with VERIFY_TIMEOUT, answers from the refreshed item when it comes in time', async () => {
    const { origin, current } = switchable(10);
    const t = cacheUnderTest('cache {\n serve_stale 1h verify 5s\n}', origin);
    await t.ask('example.org');
    current.address = '192.0.2.6';
    t.clock.advance(11);
    const answer = await t.ask('example.org');
    expect([addresses(answer), ttls(answer), answer.authoritative]).toEqual([['192.0.2.6'], [10], true]);
  });
});
