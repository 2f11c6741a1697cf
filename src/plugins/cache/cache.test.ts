import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import type { Reply } from '../../dns/types.ts';
import { addresses, cacheUnderTest, decode, Origin, reply, signedAnswer, ttls } from '../../test-support/cache.ts';
import { aRecords, soa } from '../../test-support/records.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';

const answerA = (ttl: number, address = '192.0.2.1') => new Origin((r) => reply(r.query.name, { answer: aRecords(r.query.name, ttl, address) }));

describe('cache: positive answers', () => {
  it('stores an answer and counts its TTL down on the injected clock', async () => {
    const t = cacheUnderTest('cache', answerA(100));
    expect(ttls(await t.ask('example.org'))).toEqual([100]);
    t.clock.advance(30);
    const hit = await t.ask('example.org');
    expect(ttls(hit)).toEqual([70]);
    expect(hit.authoritative).toBe(true);
    t.clock.advance(0.9);
    expect(ttls(await t.ask('example.org'))).toEqual([70]);
    expect(t.origin.calls).toBe(1);
    t.clock.advance(69.1);
    expect(ttls(await t.ask('example.org'))).toEqual([100]);
    expect(t.origin.calls).toBe(2);
  });

  it('caps the TTL at the maximum and raises it to the minimum, on the first answer too', async () => {
    const capped = cacheUnderTest('cache 30', answerA(300));
    expect(ttls(await capped.ask('example.org'))).toEqual([30]);
    capped.clock.advance(29);
    expect(ttls(await capped.ask('example.org'))).toEqual([1]);
    capped.clock.advance(1);
    await capped.ask('example.org');
    expect(capped.origin.calls).toBe(2);

    const raised = cacheUnderTest('cache', answerA(0));
    expect(ttls(await raised.ask('example.org'))).toEqual([5]);
    raised.clock.advance(4);
    expect(ttls(await raised.ask('example.org'))).toEqual([1]);
    expect(raised.origin.calls).toBe(1);
    const minZero = cacheUnderTest('cache {\n success 100 3600 0\n}', answerA(0));
    await minZero.ask('example.org');
    await minZero.ask('example.org');
    expect(minZero.origin.calls).toBe(2);
  });

  it('gives every record the smallest TTL, additional records included', async () => {
    const origin = new Origin((r) =>
      reply(r.query.name, {
        answer: [{ name: r.query.name, type: RRType.CNAME, ttl: 300, target: 'target.example.org' }, ...aRecords('target.example.org', 120, '192.0.2.7')],
        additional: [{ name: 'extra.example.org', type: RRType.TXT, ttl: 40, text: ['x'] }],
      }),
    );
    const t = cacheUnderTest('cache', origin);
    expect(ttls(await t.ask('alias.example.org'))).toEqual([40, 40, 40]);
    t.clock.advance(10);
    expect(ttls(await t.ask('alias.example.org'))).toEqual([30, 30, 30]);
  });

  it('keeps the answer and the asker case: a differently cased name hits the same item', async () => {
    const t = cacheUnderTest('cache', answerA(60));
    await t.ask('example.org');
    const query = queryFor('ExAmple.ORG', RRType.A);
    const message = await decode(t.handler, query);
    expect(addresses(message)).toEqual(['192.0.2.1']);
    expect(t.origin.calls).toBe(1);
  });

  it('keeps DO and CD queries apart from plain ones, and types and classes apart', async () => {
    const t = cacheUnderTest('cache', answerA(60));
    await t.ask('example.org');
    await t.ask('example.org', RRType.A, { edns: { udpSize: 1232, dnssecOk: true } });
    await t.ask('example.org', RRType.A, { edns: { udpSize: 1232, dnssecOk: false } });
    expect(t.origin.calls).toBe(2);
    const cd = queryFor('example.org', RRType.A);
    cd.raw[3] = (cd.raw[3] as number) | HeaderFlag.CD;
    await decode(t.handler, { ...cd, flags: cd.flags | HeaderFlag.CD, checkingDisabled: true });
    expect(t.origin.calls).toBe(3);
    await t.ask('example.org', RRType.AAAA);
    await t.ask('example.org', RRType.A, { class: 3 });
    expect(t.origin.calls).toBe(5);
    await t.ask('example.org', RRType.A, { edns: { udpSize: 4096, dnssecOk: true } });
    expect(t.origin.calls).toBe(5);
  });

  it('clears AD for clients that asked for neither DO nor AD, and keeps RA', async () => {
    const origin = new Origin((r) => reply(r.query.name, { answer: aRecords(r.query.name, 60, '192.0.2.1') }, RCode.NOERROR, HeaderFlag.RA | HeaderFlag.AD));
    const t = cacheUnderTest('cache', origin);
    const first = await t.ask('example.org');
    expect(first.authenticData).toBe(false);
    expect(first.authoritative).toBe(false);
    const plainHit = await t.ask('example.org');
    expect([plainHit.authenticData, plainHit.authoritative, plainHit.recursionAvailable]).toEqual([false, true, true]);
    const withDo = await t.ask('example.org', RRType.A, { edns: { udpSize: 1232, dnssecOk: true } });
    expect(withDo.authenticData).toBe(true);
    const doHit = await t.ask('example.org', RRType.A, { edns: { udpSize: 1232, dnssecOk: true } });
    expect([doHit.authenticData, doHit.authoritative]).toEqual([true, true]);
  });

  it('serves the stored TTL with keepttl', async () => {
    const t = cacheUnderTest('cache {\n keepttl\n}', answerA(100));
    await t.ask('example.org');
    t.clock.advance(60);
    expect(ttls(await t.ask('example.org'))).toEqual([100]);
    t.clock.advance(40);
    await t.ask('example.org');
    expect(t.origin.calls).toBe(2);
  });

  it('waits for a next plugin that answers later, and lets its failures through uncached', async () => {
    let fail = true;
    const origin = new Origin(async (r) => {
      await Promise.resolve();
      if (fail) throw new Error('upstream down');
      return reply(r.query.name, { answer: aRecords(r.query.name, 60, '192.0.2.9') });
    });
    const t = cacheUnderTest('cache', origin);
    await expect(t.ask('example.org')).rejects.toThrow('upstream down');
    fail = false;
    expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.9']);
    expect(addresses(await t.ask('example.org'))).toEqual(['192.0.2.9']);
    expect(origin.calls).toBe(2);
  });

  it('passes names outside its zones through untouched', async () => {
    const t = cacheUnderTest('cache example.org', answerA(100), ['example.org']);
    const other = queryFor('example.net', RRType.A);
    const direct = await t.handler(requestFor(other));
    expect(direct.body.readUInt32BE(direct.ttlOffsets[0]!)).toBe(100);
    await t.ask('example.net');
    expect(t.origin.calls).toBe(2);
    expect(t.cache.metrics.forServer('dns://:53').requests).toBe(0);
  });
});

describe('cache: denials', () => {
  const nxdomain = (soaTtl: number, minimum: number) =>
    new Origin((r) => reply(r.query.name, { authority: [soa('example.org', soaTtl, minimum)] }, RCode.NXDOMAIN));

  it('caches NXDOMAIN for the SOA TTL or MINIMUM, whichever is smaller (RFC 2308)', async () => {
    const byMinimum = cacheUnderTest('cache', nxdomain(60, 20));
    const first = await byMinimum.ask('missing.example.org');
    expect(first.rcode).toBe(RCode.NXDOMAIN);
    expect(ttls(first)).toEqual([20]);
    byMinimum.clock.advance(15);
    const hit = await byMinimum.ask('missing.example.org');
    expect([hit.rcode, ttls(hit)]).toEqual([RCode.NXDOMAIN, [5]]);
    expect(byMinimum.cache.metrics.forServer('dns://:53').denialHits).toBe(1);
    byMinimum.clock.advance(5);
    await byMinimum.ask('missing.example.org');
    expect(byMinimum.origin.calls).toBe(2);

    const bySoaTtl = cacheUnderTest('cache', nxdomain(30, 3600));
    expect(ttls(await bySoaTtl.ask('missing.example.org'))).toEqual([30]);
  });

  it('caps denials at the denial maximum', async () => {
    const t = cacheUnderTest('cache', nxdomain(86400, 86400));
    expect(ttls(await t.ask('missing.example.org'))).toEqual([1800]);
    const capped = cacheUnderTest('cache {\n denial 100 60\n}', nxdomain(86400, 86400));
    expect(ttls(await capped.ask('missing.example.org'))).toEqual([60]);
  });

  it('caches NODATA (NOERROR with an SOA) as a denial', async () => {
    const origin = new Origin((r) => reply(r.query.name, { authority: [soa('example.org', 300, 40)] }));
    const t = cacheUnderTest('cache', origin);
    await t.ask('example.org', RRType.AAAA);
    t.clock.advance(10);
    const hit = await t.ask('example.org', RRType.AAAA);
    expect([hit.rcode, hit.answer.length, ttls(hit)]).toEqual([RCode.NOERROR, 0, [30]]);
    expect(t.cache.store.sizes()).toEqual({ success: 0, denial: 1 });
  });

  it('does not cache NXDOMAIN without an SOA', async () => {
    const t = cacheUnderTest('cache', new Origin((r) => reply(r.query.name, {}, RCode.NXDOMAIN)));
    await t.ask('missing.example.org');
    await t.ask('missing.example.org');
    expect(t.origin.calls).toBe(2);
  });

  it('treats a CNAME chain that ends short of the type as NODATA with an SOA, and leaves it uncached without', async () => {
    const chain = (withSoa: boolean) =>
      new Origin((r) =>
        reply(r.query.name, {
          answer: [{ name: r.query.name, type: RRType.CNAME, ttl: 300, target: 'target.example.org' }],
          authority: withSoa ? [soa('example.org', 300, 45)] : [],
        }),
      );
    const nodata = cacheUnderTest('cache', chain(true));
    expect(ttls(await nodata.ask('alias.example.org'))).toEqual([45, 45]);
    await nodata.ask('alias.example.org');
    expect(nodata.origin.calls).toBe(1);
    expect(nodata.cache.store.sizes()).toEqual({ success: 0, denial: 1 });

    const incomplete = cacheUnderTest('cache', chain(false));
    await incomplete.ask('alias.example.org');
    await incomplete.ask('alias.example.org');
    expect(incomplete.origin.calls).toBe(2);
    // Asked as CNAME, the same chain answers the question.
    await incomplete.ask('alias.example.org', RRType.CNAME);
    await incomplete.ask('alias.example.org', RRType.CNAME);
    expect(incomplete.origin.calls).toBe(3);
  });
});

describe('cache: what is not cached', () => {
  it('skips truncated replies, REFUSED and other errors', async () => {
    for (const made of [
      (name: string) => reply(name, { answer: aRecords(name, 60, '192.0.2.1') }, RCode.NOERROR, HeaderFlag.TC),
      (name: string) => reply(name, {}, RCode.REFUSED),
      (name: string) => reply(name, {}, RCode.FORMERR),
    ]) {
      const t = cacheUnderTest('cache', new Origin((r) => made(r.query.name)));
      await t.ask('example.org');
      await t.ask('example.org');
      expect(t.origin.calls).toBe(2);
    }
  });

  it('caches SERVFAIL for the servfail duration only, and not at all with servfail 0', async () => {
    const servfail = () => new Origin((r) => reply(r.query.name, {}, RCode.SERVFAIL));
    const t = cacheUnderTest('cache {\n servfail 2s\n}', servfail());
    await t.ask('example.org');
    t.clock.advance(1);
    expect((await t.ask('example.org')).rcode).toBe(RCode.SERVFAIL);
    expect(t.origin.calls).toBe(1);
    t.clock.advance(1);
    await t.ask('example.org');
    expect(t.origin.calls).toBe(2);

    const off = cacheUnderTest('cache {\n servfail 0\n}', servfail());
    await off.ask('example.org');
    await off.ask('example.org');
    expect(off.origin.calls).toBe(2);
  });

  it('does not store a reply made for another question, and counts it as a drop', async () => {
    const t = cacheUnderTest('cache', new Origin(() => reply('other.example', { answer: aRecords('other.example', 60, '192.0.2.1') })));
    const query = queryFor('example.org', RRType.A);
    await t.handler(requestFor(query));
    expect(t.cache.store.sizes()).toEqual({ success: 0, denial: 0 });
    expect(t.cache.metrics.forServer('dns://:53').drops).toBe(1);
  });
});

describe('cache: DNSSEC signatures and delegations', () => {
  it('does not cache an answer with an expired signature for DO queries, and does otherwise', async () => {
    const dnssecOk = { edns: { udpSize: 1232, dnssecOk: true } };
    for (const [valid, expected] of [
      [true, 1],
      [false, 2],
    ] as const) {
      const t = cacheUnderTest('cache', new Origin((r) => signedAnswer(r.query.name, 0, 0)));
      const now = t.clock.wall;
      t.origin.answer = (r) => (valid ? signedAnswer(r.query.name, now - 3600, now + 3600) : signedAnswer(r.query.name, now - 7200, now - 3600));
      await t.ask('example.org', RRType.A, dnssecOk);
      await t.ask('example.org', RRType.A, dnssecOk);
      expect(t.origin.calls).toBe(expected);
      await t.ask('example.org');
      await t.ask('example.org');
      expect(t.origin.calls).toBe(expected + 1);
    }
  });

  it('caches a delegation for the 5 s CoreDNS gives replies it cannot judge', async () => {
    const origin = new Origin((r) => reply(r.query.name, { authority: [{ name: 'sub.example.org', type: RRType.NS, ttl: 3600, target: 'ns.sub.example.org' }] }));
    const t = cacheUnderTest('cache', origin);
    expect(ttls(await t.ask('www.sub.example.org'))).toEqual([5]);
    t.clock.advance(4);
    expect(ttls(await t.ask('www.sub.example.org'))).toEqual([1]);
    expect(t.cache.store.sizes()).toEqual({ success: 1, denial: 0 });
  });
});

describe('cache: disable and zones', () => {
  it('disables the success or the denial cache per zone, still capping TTLs there', async () => {
    const origin = new Origin((r) =>
      r.query.name.startsWith('missing')
        ? reply(r.query.name, { authority: [soa('cluster.local', 30, 30)] }, RCode.NXDOMAIN)
        : reply(r.query.name, { answer: aRecords(r.query.name, 300, '10.0.0.1') }),
    );
    const t = cacheUnderTest('cache 30 {\n disable success cluster.local\n disable denial cluster.local\n}', origin);
    expect(ttls(await t.ask('svc.ns.svc.cluster.local'))).toEqual([30]);
    await t.ask('svc.ns.svc.cluster.local');
    await t.ask('missing.ns.svc.cluster.local');
    await t.ask('missing.ns.svc.cluster.local');
    expect(origin.calls).toBe(4);
    await t.ask('example.org');
    await t.ask('example.org');
    expect(origin.calls).toBe(5);
    expect(t.cache.store.sizes()).toEqual({ success: 1, denial: 0 });
  });

  it('disables only the named cache', async () => {
    const origin = new Origin((r) =>
      r.query.name.startsWith('missing')
        ? reply(r.query.name, { authority: [soa('example.org', 30, 30)] }, RCode.NXDOMAIN)
        : reply(r.query.name, { answer: aRecords(r.query.name, 300, '10.0.0.1') }),
    );
    const t = cacheUnderTest('cache {\n disable denial\n}', origin);
    await t.ask('missing.example.org');
    await t.ask('missing.example.org');
    await t.ask('www.example.org');
    await t.ask('www.example.org');
    expect(origin.calls).toBe(3);
  });
});

describe('cache: metrics', () => {
  it('counts requests, hits by type and misses per listener', async () => {
    const t = cacheUnderTest('cache', answerA(60));
    await t.ask('a.example.org');
    await t.ask('a.example.org');
    await t.ask('b.example.org');
    const counters = t.cache.metrics.forServer('dns://:53');
    expect([counters.requests, counters.successHits, counters.denialHits, counters.misses]).toEqual([3, 1, 0, 2]);
    expect(t.cache.metrics.entries()).toEqual({ success: 2, denial: 0 });
    expect(t.cache.metrics.zones).toBe('.');
  });
});
