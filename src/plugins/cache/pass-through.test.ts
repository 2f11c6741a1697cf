import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { DomainName, Query, Reply } from '../../dns/types.ts';
import { cacheUnderTest, Origin, reply, signedAnswer, ttls, type CacheUnderTest } from '../../test-support/cache.ts';
import { aRecords, soa } from '../../test-support/records.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';

const KUBEADM = 'cache 30 {\n disable success cluster.local\n disable denial cluster.local\n}';
const NAME = 'web.ns.svc.cluster.local';

/** Replies of the three kinds a disabled zone sees, with TTLs the cache has to rewrite. */
const replies: Record<string, () => Reply> = {
  positive: () =>
    reply(
      NAME,
      { answer: aRecords(NAME, 300, '10.0.0.1', '10.0.0.2'), additional: [{ name: NAME, type: RRType.TXT, ttl: 40, text: ['x'] }] },
      RCode.NOERROR,
      HeaderFlag.RA | HeaderFlag.AD,
    ),
  nxdomain: () => reply(NAME, { authority: [soa('cluster.local', 60, 20)] }, RCode.NXDOMAIN, HeaderFlag.AA | HeaderFlag.AD),
  nodata: () => reply(NAME, { authority: [soa('cluster.local', 10, 60)] }, RCode.NOERROR, HeaderFlag.AA),
};

const expectedTtls: Record<string, number[]> = { positive: [30, 30, 30], nxdomain: [20], nodata: [10] };

/** The queries of one round: plain, with AD, with DO, as A and as AAAA. */
function questions(name: DomainName): Query[] {
  const ad = queryFor(name, RRType.A);
  ad.raw[3] = (ad.raw[3] as number) | HeaderFlag.AD;
  return [
    queryFor(name, RRType.A),
    { ...ad, flags: ad.flags | HeaderFlag.AD },
    queryFor(name, RRType.A, { edns: { udpSize: 1232, dnssecOk: true } }),
    queryFor(name, RRType.AAAA),
  ];
}

async function answer(t: CacheUnderTest, query: Query): Promise<Reply> {
  return t.handler(requestFor(query));
}

describe('cache: replies passed on without storing keep their shape per Reply object', () => {
  for (const [kind, make] of Object.entries(replies)) {
    it(`answers a repeated ${kind} reply in a disabled zone exactly as a fresh one`, async () => {
      const same = make();
      const memoized = cacheUnderTest(KUBEADM, new Origin(() => same));
      const fresh = cacheUnderTest(KUBEADM, new Origin(() => make()));
      for (let round = 0; round < 3; round++) {
        for (const query of questions(NAME)) {
          const got = encodeResponse(query, await answer(memoized, query), 65535);
          const want = encodeResponse(query, await answer(fresh, query), 65535);
          expect(got.equals(want)).toBe(true);
          const message = decodeMessage(got);
          expect(ttls(message)).toEqual(expectedTtls[kind]);
          const wantsAd = query.edns?.dnssecOk === true || (query.flags & HeaderFlag.AD) !== 0;
          expect(message.authenticData).toBe(wantsAd && (same.flags & HeaderFlag.AD) !== 0);
        }
        memoized.clock.advance(7);
        fresh.clock.advance(7);
      }
      expect([memoized.origin.calls, fresh.origin.calls]).toEqual([12, 12]);
      expect(memoized.cache.store.sizes()).toEqual({ success: 0, denial: 0 });
      // The shape is kept: the same reply object comes back for the same kind of client.
      const plain = queryFor(NAME, RRType.A);
      expect(await answer(memoized, plain)).toBe(await answer(memoized, plain));
      expect(await answer(fresh, plain)).not.toBe(await answer(fresh, plain));
    });
  }

  it('decides per name where a reply without answers goes: stored outside the disabled zone', async () => {
    const shared = prepareNegative();
    const t = cacheUnderTest(KUBEADM, new Origin(() => shared));
    expect(ttls(decodeMessage(encodeResponse(queryFor(NAME, RRType.A), await answer(t, queryFor(NAME, RRType.A)), 65535)))).toEqual([20]);
    await answer(t, queryFor(NAME, RRType.A));
    await answer(t, queryFor('missing.example.org', RRType.A));
    await answer(t, queryFor('missing.example.org', RRType.A));
    expect(t.origin.calls).toBe(3);
    expect(t.cache.store.sizes()).toEqual({ success: 0, denial: 1 });
  });

  it('counts a drop for every reply made for another question, kept shape or not', async () => {
    const other = reply('other.example', { answer: aRecords('other.example', 60, '192.0.2.1') });
    const t = cacheUnderTest('cache', new Origin(() => other));
    for (let i = 0; i < 3; i++) await answer(t, queryFor('example.org', RRType.A));
    expect(t.cache.metrics.forServer('dns://:53').drops).toBe(3);
  });

  it('judges a signed reply again on every query: its signature may expire', async () => {
    const t = cacheUnderTest(KUBEADM, new Origin(() => signed));
    const now = t.clock.wall;
    const signed = signedAnswer(NAME, now - 3600, now + 10);
    const dnssecOk = queryFor(NAME, RRType.A, { edns: { udpSize: 1232, dnssecOk: true } });
    const first = await answer(t, dnssecOk);
    expect(ttls(decodeMessage(encodeResponse(dnssecOk, first, 65535)))).toEqual([30, 30]);
    expect(await answer(t, dnssecOk)).not.toBe(first);
    t.clock.advance(20);
    // Expired: CoreDNS cannot judge the reply and gives it the 5 s fail-safe TTL.
    expect(ttls(decodeMessage(encodeResponse(dnssecOk, await answer(t, dnssecOk), 65535)))).toEqual([5, 5]);
  });
});

/** A denial built once for every name, as the kubernetes plugin shares one per zone. */
function prepareNegative(): Reply {
  return prepareReply({ rcode: RCode.NXDOMAIN, flags: HeaderFlag.AA, qname: null, sections: { answer: [], authority: [soa('cluster.local', 60, 20)], additional: [] } });
}
