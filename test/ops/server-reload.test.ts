import { afterEach, describe, expect, it } from 'vitest';
import { parseCorefile } from '../../src/corefile/parse.ts';
import { CorefileError } from '../../src/corefile/types.ts';
import { HeaderFlag, RCode } from '../../src/dns/constants.ts';
import { prepareReply } from '../../src/dns/reply.ts';
import { dig } from '../../src/test-support/dig.ts';
import { fixturePlugins, shutdownProbe } from '../../src/test-support/fixture-plugins.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import type { PluginDefinition } from '../../src/toolkit/types.ts';
import { ServerStoppedError } from '../../src/server/index.ts';

async function txt(name: string, port: number, server = '127.0.0.1'): Promise<string> {
  const result = await dig(name, { port, type: 'TXT', server });
  return result.answer[0]?.data ?? result.status;
}

/** Answers after 300 ms, unless its configuration was shut down meanwhile: then it fails (SERVFAIL). */
const fragilePlugin: PluginDefinition<null> = {
  name: 'fragile',
  once: true,
  parse: () => null,
  setup: (_options, context) => {
    let stopped = false;
    context.onShutdown(() => void (stopped = true));
    return {
      handler: () => (request) =>
        new Promise((resolve, reject) =>
          setTimeout(() => {
            const { name } = request.query;
            if (stopped) reject(new Error('shut down under a query'));
            else resolve(prepareReply({ rcode: RCode.NOERROR, flags: HeaderFlag.AA, qname: name, sections: { answer: [{ name, type: 16, ttl: 5, text: ['late'] }], authority: [], additional: [] } }));
          }, 300),
        ),
    };
  },
};

describe('RunningServer.reload', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('routes the kept listener to the new blocks, keeping its port, and shuts the old plugins down after', async () => {
    const probe = shutdownProbe();
    server = await startTestServer('a.test {\n zoneecho\n shutdownprobe\n}\n', { extraPlugins: [...fixturePlugins, probe.plugin] });
    const { port } = server;
    expect(await txt('x.a.test', port)).toBe('"zone=a.test"');
    expect(await txt('x.b.test', port)).toBe('REFUSED');

    await server.server.reload(parseCorefile('b.test {\n zoneecho\n}\n', 'Corefile'));
    expect(server.server.listeners.map((l) => l.port)).toEqual([port, port]);
    expect(await txt('x.b.test', port)).toBe('"zone=b.test"');
    expect(await txt('x.a.test', port)).toBe('REFUSED');
    expect(probe.stopped()).toBe(1);
    expect(server.server.corefile.blocks[0]!.keys[0]!.text).toBe('b.test');
  });

  it('keeps the running configuration when the new one fails to plan, set up or start', async () => {
    const probe = shutdownProbe();
    server = await startTestServer('a.test {\n zoneecho\n}\n', { extraPlugins: [...fixturePlugins, probe.plugin] });
    const { port } = server;
    await expect(server.server.reload(parseCorefile('. {\n nosuchplugin\n}\n', 'Corefile'))).rejects.toThrow(CorefileError);
    await expect(server.server.reload(parseCorefile('. {\n shutdownprobe\n failsetup\n}\n', 'Corefile'))).rejects.toThrow(
      'plugin/failsetup: bad configuration',
    );
    // The failed configuration's plugins were set up: they are shut down again.
    expect(probe.stopped()).toBe(1);
    await expect(server.server.reload(parseCorefile('. {\n failstart\n}\n', 'Corefile'))).rejects.toThrow('plugin/failstart');
    expect(await txt('x.a.test', port)).toBe('"zone=a.test"');
  });

  it('opens the ports a reload adds and closes those it drops', async () => {
    const [first, second] = [await freePort(), await freePort()];
    server = await startTestServer(`a.test:${first} {\n zoneecho\n}\n`, { extraPlugins: fixturePlugins });
    await server.server.reload(parseCorefile(`a.test:${second} {\n zoneecho\n}\n`, 'Corefile'));
    expect(server.server.listeners.map((l) => l.port)).toEqual([second, second]);
    expect(await txt('x.a.test', second)).toBe('"zone=a.test"');
    await expect(dig('x.a.test', { port: first, type: 'TXT' })).rejects.toThrow();
  });

  it('moves a port from every interface to a bound address (closing the old socket first)', async () => {
    const port = await freePort();
    server = await startTestServer(`a.test:${port} {\n zoneecho\n}\n`, { extraPlugins: fixturePlugins });
    await server.server.reload(parseCorefile(`a.test:${port} {\n bind 127.0.0.2\n zoneecho\n}\n`, 'Corefile'));
    expect(await txt('x.a.test', port, '127.0.0.2')).toBe('"zone=a.test"');
    await expect(dig('x.a.test', { port, type: 'TXT' })).rejects.toThrow();
  });

  it('puts the old sockets back when the new ones cannot open', async () => {
    const port = await freePort();
    server = await startTestServer(`a.test:${port} {\n zoneecho\n}\n`, { extraPlugins: fixturePlugins });
    // 192.0.2.1 (TEST-NET-1) is not an address of this host: binding it fails.
    await expect(server.server.reload(parseCorefile(`a.test:${port} {\n bind 192.0.2.1\n zoneecho\n}\n`, 'Corefile'))).rejects.toThrow(
      /listen udp 192\.0\.2\.1/,
    );
    expect(await txt('x.a.test', port)).toBe('"zone=a.test"');
  });

  it('lets the old chains finish the answers they owe before shutting their plugins down', async () => {
    server = await startTestServer('a.test {\n fragile\n}\n', { extraPlugins: [fragilePlugin] });
    const owed = dig('x.a.test', { port: server.port, type: 'TXT' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.server.reload(parseCorefile('a.test {\n fragile\n}\n', 'Corefile'));
    expect((await owed).answer.map((r) => r.data)).toEqual(['"late"']);
  });

  it('refuses to reload once stopping', async () => {
    const running = await startTestServer('a.test {\n zoneecho\n}\n', { extraPlugins: fixturePlugins });
    const stopped = running.stop();
    await expect(running.server.reload(parseCorefile('b.test {\n zoneecho\n}\n', 'Corefile'))).rejects.toThrow(ServerStoppedError);
    await stopped;
  });
});
