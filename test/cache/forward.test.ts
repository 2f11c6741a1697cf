import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCachePlugin } from '../../src/plugins/cache/index.ts';
import { ManualClock } from '../../src/test-support/cache.ts';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { aRecord, respond, startDnsmasq, startFakeUpstream, type Behavior, type Dnsmasq, type FakeUpstream } from '../../src/test-support/upstream.ts';

const soa = (ttl: number, minimum: number) => ({
  type: 'SOA' as const,
  name: 'example.test',
  ttl,
  data: { mname: 'ns.example.test', rname: 'hostmaster.example.test', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum },
});

/** Names say what the fake upstream answers: `multi.` three addresses, `missing.` NXDOMAIN with an SOA, else one address. */
const upstreamBehavior: Behavior = (query) => {
  if (query.name.startsWith('missing.')) return [respond(query, { rcode: 3, authorities: [soa(3600, 60)] })];
  if (query.name.startsWith('multi.')) {
    return [respond(query, { answers: ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((address) => aRecord(query.name, address, 300)) })];
  }
  return [respond(query, { answers: [aRecord(query.name, '192.0.2.10', 300)] })];
};

describe('cache and loadbalance in front of forward', () => {
  const clock = new ManualClock();
  let upstream: FakeUpstream;
  let server: TestServer;
  beforeAll(async () => {
    upstream = await startFakeUpstream(upstreamBehavior);
    server = await startTestServer(`. {\n forward . ${upstream.address}\n cache 30\n loadbalance\n}\n`, {
      extraPlugins: [createCachePlugin(clock)],
    });
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  const asked = (name: string) => upstream.queries().filter((query) => query.name === name).length;

  it('asks the upstream once per TTL, capping the TTL at 30 and counting it down', async () => {
    const first = await dig('one.example.test', { port: server.port });
    expect(first.answer.map((r) => [r.ttl, r.data])).toEqual([[30, '192.0.2.10']]);
    clock.advance(12);
    const second = await dig('one.example.test', { port: server.port });
    expect(second.answer.map((r) => [r.ttl, r.data])).toEqual([[18, '192.0.2.10']]);
    expect(asked('one.example.test')).toBe(1);
    clock.advance(18);
    await dig('one.example.test', { port: server.port });
    expect(asked('one.example.test')).toBe(2);
  });

  it('caches NXDOMAIN for the SOA minimum', async () => {
    const first = await dig('missing.example.test', { port: server.port });
    expect([first.status, first.authority.map((r) => r.ttl)]).toEqual(['NXDOMAIN', [30]]);
    clock.advance(5);
    const second = await dig('missing.example.test', { port: server.port });
    expect([second.status, second.authority.map((r) => r.ttl)]).toEqual(['NXDOMAIN', [25]]);
    expect(asked('missing.example.test')).toBe(1);
  });

  it('rotates a cached answer of several addresses across queries', async () => {
    const firsts = new Set<string>();
    for (let i = 0; i < 30 && firsts.size < 3; i++) {
      const result = await dig('multi.example.test', { port: server.port });
      expect(result.answer.map((r) => r.data).sort()).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
      firsts.add(result.answer[0]!.data);
    }
    expect(firsts.size).toBe(3);
    expect(asked('multi.example.test')).toBe(1);
  });
});

describe('cache in front of a real dnsmasq', () => {
  let dnsmasq: Dnsmasq;
  let server: TestServer;
  beforeAll(async () => {
    dnsmasq = await startDnsmasq(['address=/real.test/192.0.2.44', 'local-ttl=600']);
    server = await startTestServer(`. {\n forward . ${dnsmasq.address}\n cache 120\n}\n`);
  });
  afterAll(async () => {
    await server?.stop();
    await dnsmasq?.stop();
  });

  it('serves the upstream answer capped by the cache TTL, then from the cache once dnsmasq is gone', async () => {
    const first = await dig('www.real.test', { port: server.port });
    expect(first.answer.map((r) => [r.ttl, r.data])).toEqual([[120, '192.0.2.44']]);
    await dnsmasq.stop();
    const second = await dig('www.real.test', { port: server.port });
    expect([second.status, second.answer.map((r) => r.data)]).toEqual(['NOERROR', ['192.0.2.44']]);
    expect(second.answer[0]!.ttl).toBeLessThanOrEqual(120);
    expect(second.flags).toContain('aa');
    expect((await dig('other.real.test', { port: server.port })).status).toBe('SERVFAIL');
  });
});
