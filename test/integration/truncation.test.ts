import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { BIG_REPLY_RECORDS, fixturePlugins } from '../../src/test-support/fixture-plugins.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const allAddresses = Array.from({ length: BIG_REPLY_RECORDS }, (_, i) => `10.0.0.${i}`);

describe('answers larger than the UDP limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('. {\n bigreply\n}\n', { extraPlugins: fixturePlugins });
  });
  afterAll(async () => server?.stop());

  it('sets TC over UDP without EDNS, and within the EDNS size asked', async () => {
    const plain = await dig('big.test', { port: server.port, flags: ['+ignore', '+noedns'] });
    expect(plain.flags).toContain('tc');
    expect(plain.output).toMatch(/MSG SIZE {2}rcvd: (\d+)/);
    expect(Number(/MSG SIZE {2}rcvd: (\d+)/.exec(plain.output)![1])).toBeLessThanOrEqual(512);
    const edns = await dig('big.test', { port: server.port, flags: ['+ignore', '+bufsize=1232'] });
    expect(edns.flags).toContain('tc');
    expect(Number(/MSG SIZE {2}rcvd: (\d+)/.exec(edns.output)![1])).toBeLessThanOrEqual(1232);
  });

  it('lets dig retry over TCP and get every record', async () => {
    const result = await dig('big.test', { port: server.port, flags: ['+noedns'] });
    expect(result.retriedOverTcp).toBe(true);
    expect(result.flags).not.toContain('tc');
    expect(result.answer.map((r) => r.data)).toEqual(allAddresses);
  });

  it('lets a node:dns resolver retry over TCP and get every address', async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${server.port}`]);
    expect((await resolver.resolve4('big.test')).sort()).toEqual([...allAddresses].sort());
  });
});
