import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { fixturePlugins } from '../../src/test-support/fixture-plugins.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

/** Three blocks on one port: whoami for the root, fixtures answering which zone they were routed to. */
const COREFILE = `
. {
    whoami
    log
}
example.org {
    zoneecho
}
sub.example.org {
    zoneecho
}
only.test {
    zoneecho
}
`;

describe('a server with several blocks on one port', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(COREFILE, { extraPlugins: fixturePlugins });
  });
  afterAll(async () => server?.stop());

  it('answers whoami over UDP with the client address and port, as CoreDNS', async () => {
    const result = await dig('Who.Example', { port: server.port });
    expect(result.status).toBe('NOERROR');
    expect(result.flags).toEqual(['qr', 'aa', 'rd']);
    expect(result.answer).toEqual([]);
    const [address, srv] = result.additional;
    expect(address).toMatchObject({ name: 'Who.Example.', ttl: 0, class: 'IN', type: 'A', data: '127.0.0.1' });
    expect(srv).toMatchObject({ name: '_udp.Who.Example.', type: 'SRV' });
    expect(srv!.data).toMatch(/^0 0 \d+ \.$/);
  });

  it('answers whoami over TCP and IPv6', async () => {
    const result = await dig('who.example', { port: server.port, tcp: true, server: '::1', type: 'AAAA' });
    expect(result.additional.map((r) => [r.name, r.type, r.type === 'AAAA' ? r.data : ''])).toEqual([
      ['who.example.', 'AAAA', '::1'],
      ['_tcp.who.example.', 'SRV', ''],
    ]);
  });

  it('routes each name to the longest zone that holds it', async () => {
    const routed = async (name: string) => (await dig(name, { port: server.port, type: 'TXT' })).answer.map((r) => r.data);
    expect(await routed('www.sub.example.org')).toEqual(['"zone=sub.example.org"']);
    expect(await routed('WWW.Example.ORG')).toEqual(['"zone=example.org"']);
    expect(await routed('notsub.example.org')).toEqual(['"zone=example.org"']);
  });

  it('answers through node:dns as a resolver sees it', async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${server.port}`]);
    expect(await resolver.resolveTxt('a.sub.example.org')).toEqual([['zone=sub.example.org']]);
  });

  it('logs each query with the log plugin of the block that served it', async () => {
    const before = server.lines.length;
    await dig('logged.example', { port: server.port });
    await dig('unlogged.example.org', { port: server.port, type: 'TXT' });
    const added = server.lines.slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\[INFO\] 127\.0\.0\.1:\d+ - \d+ "A IN logged\.example\. udp \d+ false 1232" NOERROR qr,aa,rd \d+ [\d.]+s$/);
  });
});

describe('a server without a root zone', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('example.org {\n zoneecho\n}\n', { extraPlugins: fixturePlugins });
  });
  afterAll(async () => server?.stop());

  it('answers REFUSED outside its zones over UDP and TCP', async () => {
    for (const tcp of [false, true]) {
      const result = await dig('example.com', { port: server.port, tcp });
      expect(result.status).toBe('REFUSED');
      expect(result.flags).toEqual(['qr', 'rd']);
    }
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${server.port}`]);
    await expect(resolver.resolve4('example.com')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it('refuses the CH class as CoreDNS does without forward', async () => {
    const result = await dig('version.bind', { port: server.port, type: 'TXT', class: 'CH' });
    expect(result.status).toBe('REFUSED');
  });
});
