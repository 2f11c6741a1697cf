import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestDuration } from '../../src/plugins/forward/metrics.ts';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { randomLoopbackAddress, startDnsmasq, type Dnsmasq } from '../../src/test-support/upstream.ts';

/** Three 250-byte strings: the answer does not fit in 512 bytes. */
const BIG_TXT = ['a', 'b', 'c'].map((letter) => `"${letter.repeat(250)}"`).join(',');

const DNSMASQ_LINES = [
  'address=/example.test/192.0.2.1',
  `txt-record=big.example.test,${BIG_TXT}`,
  'ptr-record=1.2.0.192.in-addr.arpa,gateway.example.test',
  'local=/gone.test/',
];

function resolverFor(port: number): Resolver {
  const resolver = new Resolver({ timeout: 2_000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return resolver;
}

describe('forward to a real dnsmasq', () => {
  let dnsmasq: Dnsmasq;
  let server: TestServer;

  beforeAll(async () => {
    dnsmasq = await startDnsmasq(DNSMASQ_LINES);
    server = await startTestServer(`. {\n errors\n log\n forward . ${dnsmasq.address}\n}\n`);
  });
  afterAll(async () => {
    await server?.stop();
    await dnsmasq?.stop();
  });

  it('relays answers over UDP and TCP to dig and node:dns, counting the upstream request', async () => {
    const before = requestDuration.cell('forward', dnsmasq.address, 'NOERROR').count;
    for (const tcp of [false, true]) {
      const result = await dig('www.example.test', { port: server.port, tcp });
      expect(result.status).toBe('NOERROR');
      expect(result.answer.map((record) => [record.name, record.type, record.data])).toEqual([['www.example.test.', 'A', '192.0.2.1']]);
      expect(result.flags).toEqual(expect.arrayContaining(['qr', 'aa', 'rd', 'ra']));
    }
    expect(await resolverFor(server.port).resolve4('node.example.test')).toEqual(['192.0.2.1']);
    expect(requestDuration.cell('forward', dnsmasq.address, 'NOERROR').count).toBe(before + 3);
    expect(server.lines.some((line) => /"A IN www\.example\.test\. udp \d+ false 1232" NOERROR qr,aa,rd,ra /.test(line))).toBe(true);
  });

  it('passes the upstream RCODE through: NXDOMAIN, REFUSED', async () => {
    expect((await dig('host.gone.test', { port: server.port })).status).toBe('NXDOMAIN');
    expect((await dig('elsewhere.invalid', { port: server.port })).status).toBe('REFUSED');
  });

  it('answers PTR through the upstream', async () => {
    const result = await dig('1.2.0.192.in-addr.arpa', { port: server.port, type: 'PTR' });
    expect(result.answer.map((record) => record.data)).toEqual(['gateway.example.test.']);
  });

  it('lets a client without EDNS see TC, retry over TCP and get the whole answer', async () => {
    const result = await dig('big.example.test', { port: server.port, type: 'TXT', flags: ['+noedns'] });
    expect(result.retriedOverTcp).toBe(true);
    expect(result.status).toBe('NOERROR');
    expect(result.answer).toHaveLength(1);
    expect(result.answer[0]!.data.length).toBeGreaterThan(750);
    const txt = await resolverFor(server.port).resolveTxt('big.example.test');
    expect(txt).toEqual([['a'.repeat(250), 'b'.repeat(250), 'c'.repeat(250)]]);
  });
});

describe('forward chains and resolv.conf upstreams', () => {
  const started: { stop(): Promise<void> }[] = [];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'forward-resolv-'));
  });
  afterAll(async () => {
    for (const item of started.reverse()) await item.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands NXDOMAIN to the next forward with `next NXDOMAIN`', async () => {
    const first = await startDnsmasq(['local=/gone.test/', 'address=/kept.test/192.0.2.10']);
    started.push(first);
    const second = await startDnsmasq(['address=/gone.test/192.0.2.99']);
    started.push(second);
    const server = await startTestServer(`. {\n forward . ${first.address} {\n  next NXDOMAIN\n }\n forward . ${second.address}\n}\n`);
    started.push(server);
    expect((await dig('host.gone.test', { port: server.port })).answer.map((record) => record.data)).toEqual(['192.0.2.99']);
    expect((await dig('host.kept.test', { port: server.port })).answer.map((record) => record.data)).toEqual(['192.0.2.10']);
  });

  it('forwards to the nameservers of a resolv.conf file, on port 53', async () => {
    const host = randomLoopbackAddress();
    const dnsmasq = await startDnsmasq(['address=/example.test/192.0.2.53'], { host, port: 53 });
    started.push(dnsmasq);
    const resolvConf = join(dir, 'resolv.conf');
    writeFileSync(resolvConf, `search svc.cluster.local\nnameserver ${host}\noptions ndots:5\n`);
    const server = await startTestServer(`. {\n forward . ${resolvConf}\n}\n`);
    started.push(server);
    const result = await dig('www.example.test', { port: server.port });
    expect(result.answer.map((record) => record.data)).toEqual(['192.0.2.53']);
    expect(requestDuration.cell('forward', `${host}:53`, 'NOERROR').count).toBe(1);
  });
});
