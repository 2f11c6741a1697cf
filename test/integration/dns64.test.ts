import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { silentLogger } from '../../src/log.ts';
import { renderMetrics } from '../../src/metrics/registry.ts';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { aRecord, respond, startFakeUpstream, type FakeUpstream } from '../../src/test-support/upstream.ts';

const HOSTS = `    hosts {
        192.0.2.10 v4only.example.org
        192.0.2.20 dual.example.org
        2001:db8::20 dual.example.org
    }`;

/** The upstream's zone: `cname.example.net` leads to an A record; `gone` does not exist. */
function upstreamZone(upstream: FakeUpstream): void {
  const zoneSoa = { type: 'SOA' as const, name: 'example.net', ttl: 30, data: { mname: 'ns.example.net', rname: 'hostmaster.example.net', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 60 } };
  upstream.setBehavior((query) => {
    if (query.name === 'gone.example.net') return [respond(query, { rcode: 3, authorities: [zoneSoa] })];
    if (query.type === RRType.AAAA) return [respond(query, { authorities: [zoneSoa] })];
    const cname = { type: 'CNAME' as const, name: query.name, ttl: 300, data: 'v4.example.net' };
    return [respond(query, { answers: [cname, aRecord('v4.example.net', '198.51.100.7', 300)] })];
  });
}

describe('dns64: AAAA synthesized from A for IPv6 clients', () => {
  let local: TestServer;
  let open: TestServer;
  let forwarding: TestServer;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    upstreamZone(upstream);
    local = await startTestServer(`. {\n    dns64\n${HOSTS}\n}\n`);
    open = await startTestServer(`. {\n    dns64 64:ff9b:1::/48 {\n        allow_ipv4\n        translate_all\n    }\n${HOSTS}\n}\n`);
    forwarding = await startTestServer(`. {\n    dns64\n    forward . ${upstream.address}\n}\n`);
  });
  afterAll(async () => {
    await Promise.all([local?.stop(), open?.stop(), forwarding?.stop(), upstream?.close()]);
  });

  const aaaa = async (server: TestServer, name: string, from: '::1' | '127.0.0.1' = '::1') => {
    const result = await dig(name, { port: server.port, server: from, type: 'AAAA' });
    return [result.status, result.answer.map((record) => `${record.name} ${record.ttl} ${record.type} ${record.data}`)];
  };

  it('answers an IPv6 client with the A address under 64:ff9b::/96 where the name has no AAAA, its TTL capped at 600 without an SOA', async () => {
    expect(await aaaa(local, 'v4only.example.org')).toEqual(['NOERROR', ['v4only.example.org. 600 AAAA 64:ff9b::c000:20a']]);
    expect(await aaaa(local, 'dual.example.org')).toEqual(['NOERROR', ['dual.example.org. 3600 AAAA 2001:db8::20']]);
  });

  it('leaves IPv4 clients and A questions alone', async () => {
    expect(await aaaa(local, 'v4only.example.org', '127.0.0.1')).toEqual(['NOERROR', []]);
    const a = await dig('v4only.example.org', { port: local.port, server: '::1' });
    expect(a.answer.map((record) => record.data)).toEqual(['192.0.2.10']);
  });

  it('with allow_ipv4, translate_all and a /48 prefix: every client, AAAA records replaced too', async () => {
    expect(await aaaa(open, 'v4only.example.org', '127.0.0.1')).toEqual(['NOERROR', ['v4only.example.org. 600 AAAA 64:ff9b:1:c000:2:a00::']]);
    expect(await aaaa(open, 'dual.example.org')).toEqual(['NOERROR', ['dual.example.org. 600 AAAA 64:ff9b:1:c000:2:1400::']]);
  });

  it('asks the A question of forward, keeps the CNAME and caps the TTL at the SOA of the empty AAAA answer', async () => {
    const before = upstream.queries().length;
    expect(await aaaa(forwarding, 'www.example.net')).toEqual([
      'NOERROR',
      ['www.example.net. 300 CNAME v4.example.net.', 'v4.example.net. 30 AAAA 64:ff9b::c633:6407'],
    ]);
    expect(upstream.queries().slice(before).map((query) => `${query.name} ${query.type}`)).toEqual([`www.example.net ${RRType.AAAA}`, `www.example.net ${RRType.A}`]);
  });

  it('passes a name error on without asking for A', async () => {
    const before = upstream.queries().length;
    const result = await dig('gone.example.net', { port: forwarding.port, server: '::1', type: 'AAAA' });
    expect([result.status, result.answer.length, result.authority[0]?.type]).toEqual(['NXDOMAIN', 0, 'SOA']);
    expect(upstream.queries().length - before).toBe(1);
  });

  it('counts translations in coredns_dns64_requests_translated_total by server', async () => {
    const count = async () => {
      const text = renderMetrics(silentLogger);
      return Number(new RegExp(`coredns_dns64_requests_translated_total\\{server="dns://:${local.port}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    };
    const before = await count();
    await aaaa(local, 'v4only.example.org');
    await aaaa(local, 'dual.example.org');
    expect(await count()).toBe(before + 1);
  });
});
