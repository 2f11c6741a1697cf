import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { fixturePlugins } from '../../src/test-support/fixture-plugins.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

/** Two blocks share a port, each bound to its own loopback address (Linux routes all of 127/8 to lo). */
describe('bind: blocks on one port, each on its own loopback address', () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    const corefile = `a.test:${port} {\n bind 127.0.0.1\n zoneecho\n}\nb.test:${port} {\n bind 127.0.0.2\n zoneecho\n}\n`;
    server = await startTestServer(corefile, { extraPlugins: fixturePlugins });
  });
  afterAll(async () => server?.stop());

  it('opens one listener per bound address, none on every interface', () => {
    const addresses = server.server.listeners.map((l) => `${l.transport} ${l.address}:${l.port}`).sort();
    expect(addresses).toEqual([`tcp 127.0.0.1:${port}`, `tcp 127.0.0.2:${port}`, `udp 127.0.0.1:${port}`, `udp 127.0.0.2:${port}`]);
    expect(server.server.served.map((s) => s.host)).toEqual(['127.0.0.1', '127.0.0.2']);
  });

  it('answers each zone on its own address, over UDP and TCP', async () => {
    for (const tcp of [false, true]) {
      const a = await dig('x.a.test', { port, type: 'TXT', tcp });
      expect(a.answer.map((r) => r.data)).toEqual(['"zone=a.test"']);
      const b = await dig('x.b.test', { port, type: 'TXT', tcp, server: '127.0.0.2' });
      expect(b.answer.map((r) => r.data)).toEqual(['"zone=b.test"']);
    }
  });

  it('refuses a zone on the address of the other block', async () => {
    expect((await dig('x.b.test', { port, type: 'TXT' })).status).toBe('REFUSED');
    expect((await dig('x.a.test', { port, type: 'TXT', server: '127.0.0.2' })).status).toBe('REFUSED');
  });
});

describe('bind: one address only', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('. {\n bind 127.0.0.1\n zoneecho\n}\n', { extraPlugins: fixturePlugins });
  });
  afterAll(async () => server?.stop());

  it('answers on the bound address and not on another loopback address', async () => {
    expect((await dig('example.org', { port: server.port, type: 'TXT' })).answer).toHaveLength(1);
    await expect(dig('example.org', { port: server.port, type: 'TXT', server: '127.0.0.2' })).rejects.toThrow();
    await expect(dig('example.org', { port: server.port, type: 'TXT', server: '127.0.0.2', tcp: true })).rejects.toThrow();
  });
});
