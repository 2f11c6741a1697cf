import dgram from 'node:dgram';
import net from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCorefile } from '../../src/corefile/parse.ts';
import { silentLogger } from '../../src/log.ts';
import { ListenError, PluginSetupError, PluginStartError, startServer } from '../../src/server/index.ts';
import { dig } from '../../src/test-support/dig.ts';
import { fixturePlugins, shutdownProbe } from '../../src/test-support/fixture-plugins.ts';
import { captureRegistry, startTestServer, type TestServer } from '../../src/test-support/server.ts';

describe('a handler that throws or rejects', () => {
  let server: TestServer;
  const logLines: string[] = [];
  beforeAll(async () => {
    const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) });
    server = await startTestServer('with.errors {\n errors\n explode\n}\nwithout.errors {\n explode\n}\n', {
      extraPlugins: fixturePlugins,
      logger,
    });
  });
  afterAll(async () => server?.stop());

  it('answers SERVFAIL over UDP and TCP', async () => {
    for (const name of ['sync.without.errors', 'async.without.errors', 'sync.with.errors', 'async.with.errors']) {
      expect((await dig(name, { port: server.port })).status).toBe('SERVFAIL');
      expect((await dig(name, { port: server.port, tcp: true })).status).toBe('SERVFAIL');
    }
    expect((await dig('ok.without.errors', { port: server.port, type: 'TXT' })).status).toBe('NOERROR');
  });

  it('is logged by the errors plugin as CoreDNS, or once by the server without it', async () => {
    server.lines.length = 0;
    logLines.length = 0;
    await dig('sync.with.errors', { port: server.port, type: 'AAAA' });
    await dig('async.with.errors', { port: server.port });
    await dig('sync.without.errors', { port: server.port, type: 'MX' });
    expect(server.lines).toEqual([
      '[ERROR] plugin/errors: 2 sync.with.errors. AAAA: fixture exploded',
      '[ERROR] plugin/errors: 2 async.with.errors. A: fixture rejected',
    ]);
    expect(logLines.map((line) => JSON.parse(line) as Record<string, unknown>)).toMatchObject([
      { qname: 'sync.without.errors.', qtype: 'MX', err: { message: 'fixture exploded' }, server: `dns://:${server.port}` },
    ]);
  });
});

describe('startup failures', () => {
  function start(text: string, probe = shutdownProbe()) {
    const registry = captureRegistry([], [...fixturePlugins, probe.plugin]);
    return startServer(parseCorefile(text, 'Corefile'), { dnsPort: 0, logger: silentLogger, registry });
  }

  it('rejects with a ListenError when the UDP port is taken', async () => {
    const taken = dgram.createSocket('udp6');
    await new Promise<void>((resolve) => taken.bind(0, '::', resolve));
    const port = taken.address().port;
    try {
      const error = await start(`.:${port} {\n whoami\n}\n`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ListenError);
      expect(error).toMatchObject({ transport: 'udp', port, code: 'EADDRINUSE' });
      expect((error as Error).message).toBe(`listen udp :${port}: bind: address already in use`);
    } finally {
      taken.close();
    }
  });

  it('rejects with a ListenError when the TCP port is taken, and frees the UDP one', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(start(`.:${port} {\n whoami\n}\n`)).rejects.toMatchObject({ name: 'ListenError', transport: 'tcp', port });
      const probe = dgram.createSocket('udp6');
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.bind(port, '::', resolve);
      });
      probe.close();
    } finally {
      taken.close();
    }
  });

  it('rejects naming the plugin whose setup or start failed, after running shutdown hooks', async () => {
    const probe = shutdownProbe();
    const setupError = await start('. {\n shutdownprobe\n}\nexample.org {\n failsetup\n}\n', probe).catch((e: unknown) => e);
    expect(setupError).toBeInstanceOf(PluginSetupError);
    expect(setupError).toMatchObject({ message: 'plugin/failsetup: bad configuration', line: 5 });
    expect(probe.stopped()).toBe(1);

    const again = shutdownProbe();
    const startError = await start('. {\n shutdownprobe\n failstart\n}\n', again).catch((e: unknown) => e);
    expect(startError).toBeInstanceOf(PluginStartError);
    expect((startError as Error).message).toBe('plugin/failstart: cannot reach the API');
    expect(again.stopped()).toBe(1);
  });

  it('runs shutdown hooks once however often stop() is called', async () => {
    const probe = shutdownProbe();
    const server = await start('. {\n shutdownprobe\n whoami\n}\n', probe);
    await Promise.all([server.stop(), server.stop()]);
    await server.stop();
    expect(probe.stopped()).toBe(1);
  });
});
