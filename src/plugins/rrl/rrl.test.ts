import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply, ResourceRecord } from '../../dns/types.ts';
import { silentLogger } from '../../log.ts';
import { renderMetrics } from '../../metrics/registry.ts';
import { directive } from '../../test-support/corefile.ts';
import { aRecords, soa } from '../../test-support/records.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import type { PodLookup } from '../../toolkit/offers.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { categoryOf, responseToken } from './category.ts';
import { ResponseRateLimiter } from './handler.ts';
import { MAX_CLIENT_SERIES } from './metrics.ts';
import { Category, parseRrl } from './parse.ts';
import { ClientPrefixes } from './prefix.ts';

const ZONE = 'cluster.local';

function reply(rcode: number, qname: DomainName | null, answer: ResourceRecord[], authority: ResourceRecord[] = []): Reply {
  return prepareReply({ rcode, flags: HeaderFlag.AA, qname, sections: { answer, authority, additional: [] } });
}

/** What the chain answers: an address under `svc`, NXDOMAIN (with the zone's SOA) elsewhere in the zone, NODATA for AAAA. */
const cluster: Handler = (request) => {
  const { name, type } = request.query;
  if (!name.endsWith(`.svc.${ZONE}`)) return reply(RCode.NXDOMAIN, name, [], [soa(ZONE, 5, 5)]);
  if (type === RRType.AAAA) return reply(RCode.NOERROR, name, [], [soa(ZONE, 5, 5)]);
  return reply(RCode.NOERROR, name, aRecords(name, 5, '10.96.0.10'));
};

/** A limiter from an `rrl` block, on a clock the test moves, in front of `next`. */
function limiter(block: string, options: { next?: Handler; pods?: PodLookup; zones?: DomainName[] } = {}) {
  let time = 5_000;
  const rrl = new ResponseRateLimiter(options.zones ?? [ZONE], parseRrl(directive(`rrl {\n${block}\n}`)), {
    now: () => time,
    logger: silentLogger,
    pods: options.pods ?? null,
  });
  const handler = rrl.factory(options.next ?? cluster);
  /** What the client hears for one query: 'answer', 'nothing', or 'TC' (an empty truncated reply). */
  const ask = async (name: string, type: number = RRType.A, overrides: Partial<Request> = {}) => {
    const got = await handler(requestFor(queryFor(name, type), overrides));
    if (got.silent === true) return 'nothing';
    if ((got.flags & HeaderFlag.TC) !== 0) return got.answerCount === 0 && got.authorityCount === 0 ? 'TC' : 'TC with records';
    return 'answer';
  };
  const askMany = async (count: number, name: string, type: number = RRType.A, overrides: Partial<Request> = {}) => {
    const heard: string[] = [];
    for (let i = 0; i < count; i++) heard.push(await ask(name, type, overrides));
    return heard;
  };
  return { rrl, ask, askMany, advance: (ms: number) => void (time += ms) };
}

const times = (count: number, what: string) => Array<string>(count).fill(what);

describe('rrl response categories and accounts', () => {
  const query = queryFor(`nope.${ZONE}`, RRType.A);

  it('sorts responses as the external plugin: answers, NXDOMAIN, referrals (an NS authority), NODATA, errors', () => {
    expect(categoryOf(reply(RCode.NOERROR, null, aRecords('a', 5, '192.0.2.1')))).toBe(Category.RESPONSE);
    expect(categoryOf(reply(RCode.NXDOMAIN, null, [], [soa(ZONE, 5, 5)]))).toBe(Category.NXDOMAIN);
    expect(categoryOf(reply(RCode.NOERROR, null, [], [soa(ZONE, 5, 5)]))).toBe(Category.NODATA);
    expect(categoryOf(reply(RCode.NOERROR, null, []))).toBe(Category.NODATA);
    expect(categoryOf(reply(RCode.NOERROR, null, [], [{ name: 'sub.example.org', type: RRType.NS, ttl: 5, target: 'ns.example.org' }]))).toBe(Category.REFERRAL);
    expect(categoryOf(emptyReply(RCode.SERVFAIL))).toBe(Category.ERROR);
    expect(categoryOf(emptyReply(RCode.REFUSED))).toBe(Category.ERROR);
  });

  it("keys NXDOMAIN by the authority's zone, whether its owner is compressed into the question or not", () => {
    const compressed = reply(RCode.NXDOMAIN, query.name, [], [soa(ZONE, 5, 5)]);
    const shared = reply(RCode.NXDOMAIN, null, [], [soa(ZONE, 5, 5)]);
    expect(responseToken('10.0.0.0', Category.NXDOMAIN, query, compressed)).toBe('10.0.0.0/2//cluster.local');
    expect(responseToken('10.0.0.0', Category.NXDOMAIN, query, shared)).toBe('10.0.0.0/2//cluster.local');
    expect(responseToken('10.0.0.0', Category.NXDOMAIN, query, emptyReply(RCode.NXDOMAIN))).toBe('10.0.0.0/2//');
  });

  it('keys answers by type and name, NODATA by name, referrals by type and zone, errors by client alone', () => {
    const answer = reply(RCode.NOERROR, query.name, aRecords(query.name, 5, '192.0.2.1'));
    expect(responseToken('c', Category.RESPONSE, query, answer)).toBe('c/0/1/nope.cluster.local');
    expect(responseToken('c', Category.NODATA, queryFor('x.org', RRType.MX), emptyReply(RCode.NOERROR))).toBe('c/1//x.org');
    const referral = reply(RCode.NOERROR, 'a.sub.example.org', [], [{ name: 'sub.example.org', type: RRType.NS, ttl: 5, target: 'ns.example.org' }]);
    expect(responseToken('c', Category.REFERRAL, queryFor('a.sub.example.org', RRType.A), referral)).toBe('c/3/1/sub.example.org');
    expect(responseToken('c', Category.ERROR, query, emptyReply(RCode.SERVFAIL))).toBe('c/4//');
  });

  it('names a client by its prefix: IPv4 and IPv6 masked, a link-local zone left out', () => {
    const prefixes = new ClientPrefixes(24, 56);
    expect(prefixes.of('10.1.2.3')).toBe('10.1.2.0');
    expect(prefixes.of('2001:db8:1:2ff::1')).toBe('2001:db8:1:200::');
    expect(prefixes.of('fe80::1%eth0')).toBe('fe80::');
    expect(new ClientPrefixes(32, 128).of('10.1.2.3')).toBe('10.1.2.3');
    expect(new ClientPrefixes(12, 56).of('10.31.2.3')).toBe('10.16.0.0');
  });
});

describe('rrl handler', () => {
  it('drops UDP responses over the allowance and answers the rest', async () => {
    const { askMany, advance } = limiter('responses-per-second 2');
    expect(await askMany(4, `web.default.svc.${ZONE}`)).toEqual(['answer', 'answer', 'nothing', 'nothing']);
    // Two seconds credit four responses; the two dropped were debited too.
    advance(2_000);
    expect(await askMany(3, `web.default.svc.${ZONE}`)).toEqual(['answer', 'answer', 'nothing']);
  });

  it('accounts each answered name on its own, and every NXDOMAIN of a zone together', async () => {
    const { ask, askMany } = limiter('responses-per-second 1');
    expect(await askMany(2, `a.default.svc.${ZONE}`)).toEqual(['answer', 'nothing']);
    expect(await ask(`b.default.svc.${ZONE}`)).toBe('answer');
    expect(await ask(`nope-1.${ZONE}`)).toBe('answer');
    expect(await ask(`nope-2.${ZONE}`)).toBe('nothing');
  });

  it('limits only the categories given an allowance', async () => {
    const { askMany } = limiter('nxdomains-per-second 1');
    expect(await askMany(3, `web.default.svc.${ZONE}`)).toEqual(times(3, 'answer'));
    expect(await askMany(2, `nope.${ZONE}`)).toEqual(['answer', 'nothing']);
  });

  it('lets every Nth dropped response slip out empty with TC, so the client asks again over TCP', async () => {
    const { askMany } = limiter('responses-per-second 1\nslip-ratio 2');
    expect(await askMany(5, `web.default.svc.${ZONE}`)).toEqual(['answer', 'nothing', 'TC', 'nothing', 'TC']);
  });

  it('does not limit responses over TCP', async () => {
    const { askMany } = limiter('responses-per-second 1');
    expect(await askMany(3, `web.default.svc.${ZONE}`, RRType.A, { transport: 'tcp' })).toEqual(times(3, 'answer'));
  });

  it('in report-only, answers everything and still counts what exceeds', async () => {
    const { askMany } = limiter('responses-per-second 1\nreport-only');
    const before = exceeded('responses', '192.0.2.77');
    expect(await askMany(3, `web.default.svc.${ZONE}`, RRType.A, { remoteAddress: '192.0.2.77' })).toEqual(times(3, 'answer'));
    expect(exceeded('responses', '192.0.2.77') - before).toBe(2);
  });

  it('counts dropped responses by client address under the external plugin metric name', async () => {
    const { askMany } = limiter('responses-per-second 1');
    const before = exceeded('responses', '192.0.2.78');
    await askMany(4, `web.default.svc.${ZONE}`, RRType.A, { remoteAddress: '192.0.2.78' });
    expect(exceeded('responses', '192.0.2.78') - before).toBe(3);
  });

  it('limits requests of a client whatever their answer or transport, and counts them', async () => {
    const { ask } = limiter('requests-per-second 2');
    const before = exceeded('requests', '192.0.2.79');
    const client = { remoteAddress: '192.0.2.79', transport: 'tcp' as const };
    expect([await ask(`a.default.svc.${ZONE}`, RRType.A, client), await ask(`nope.${ZONE}`, RRType.A, client), await ask(`b.default.svc.${ZONE}`, RRType.A, client)]).toEqual([
      'answer',
      'answer',
      'nothing',
    ]);
    expect(exceeded('requests', '192.0.2.79') - before).toBe(1);
  });

  it('leaves names outside its zones alone', async () => {
    const { askMany } = limiter('responses-per-second 1', { zones: ['example.org'] });
    expect(await askMany(3, `web.default.svc.${ZONE}`)).toEqual(times(3, 'answer'));
  });

  it('accounts a reply the chain gives later (a promise) as one given at once', async () => {
    const { askMany } = limiter('responses-per-second 1', { next: (request) => Promise.resolve(cluster(request)) });
    expect(await askMany(2, `web.default.svc.${ZONE}`)).toEqual(['answer', 'nothing']);
  });

  it('passes silent replies (another plugin dropped the query) through unaccounted', async () => {
    const silent: Reply = { ...emptyReply(RCode.NOERROR), silent: true };
    const { askMany } = limiter('errors-per-second 1\nresponses-per-second 1', { next: () => silent });
    expect(await askMany(3, `web.default.svc.${ZONE}`)).toEqual(times(3, 'nothing'));
  });

  it('accounts clients of one prefix together, of another apart', async () => {
    const { ask } = limiter('responses-per-second 1');
    const name = `web.default.svc.${ZONE}`;
    expect(await ask(name, RRType.A, { remoteAddress: '10.0.0.1' })).toBe('answer');
    expect(await ask(name, RRType.A, { remoteAddress: '10.0.0.2' })).toBe('nothing');
    expect(await ask(name, RRType.A, { remoteAddress: '10.0.1.2' })).toBe('answer');
  });

  it('with per-namespace, accounts pods by namespace, and clients the cluster does not know by prefix', async () => {
    const namespaces = new Map([
      ['10.244.1.5', 'batch'],
      ['10.244.1.6', 'batch'],
      ['10.244.1.7', 'shop'],
    ]);
    const pods: PodLookup = { namespaceOf: (ip) => namespaces.get(ip) ?? null };
    const { rrl, ask } = limiter('responses-per-second 1\nper-namespace', { pods });
    const name = `web.default.svc.${ZONE}`;
    expect(await ask(name, RRType.A, { remoteAddress: '10.244.1.5' })).toBe('answer');
    // Same namespace, another pod: one account.
    expect(await ask(name, RRType.A, { remoteAddress: '10.244.1.6' })).toBe('nothing');
    // Same /24, another namespace: another account, where prefixes alone would have shared one.
    expect(await ask(name, RRType.A, { remoteAddress: '10.244.1.7' })).toBe('answer');
    expect(await ask(name, RRType.A, { remoteAddress: '10.244.1.200' })).toBe('answer');
    expect(rrl.clientKey('10.244.1.5')).toBe('ns:batch');
    expect(rrl.clientKey('10.244.1.200')).toBe('10.244.1.0');
  });

  it('without per-namespace, ignores what the cluster knows', () => {
    const { rrl } = limiter('responses-per-second 1', { pods: { namespaceOf: () => 'batch' } });
    expect(rrl.clientKey('10.244.1.5')).toBe('10.244.1.0');
  });

  it(`keeps at most ${MAX_CLIENT_SERIES} client series, counting later clients under "other"`, async () => {
    const { ask } = limiter('responses-per-second 1\nipv4-prefix-length 32');
    const otherBefore = exceeded('responses', 'other');
    for (let i = 0; i < MAX_CLIENT_SERIES + 10; i++) {
      const remoteAddress = `198.18.${i >> 8}.${i & 0xff}`;
      await ask(`web.default.svc.${ZONE}`, RRType.A, { remoteAddress });
      await ask(`web.default.svc.${ZONE}`, RRType.A, { remoteAddress });
    }
    expect(exceeded('responses', 'other') - otherBefore).toBeGreaterThanOrEqual(10);
  });
});

/** coredns_rrl_<kind>_exceeded_total for one client, as exposed. */
function exceeded(kind: 'responses' | 'requests', client: string): number {
  const line = renderMetrics(silentLogger)
    .split('\n')
    .find((text) => text.startsWith(`coredns_rrl_${kind}_exceeded_total{client_ip="${client}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}
