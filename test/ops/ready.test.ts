import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import type { PluginDefinition } from '../../src/toolkit/types.ts';
import { FakeApiServer, namespaceObject, serviceObject } from '../fake-apiserver/index.ts';
import { httpGet } from './http.ts';

/** Plugins whose readiness the test switches: `gate NAME` reports NAME, ready once gates[NAME] is true. */
function gatePlugin(gates: Map<string, boolean>): PluginDefinition<string> {
  return {
    name: 'gate',
    once: true,
    parse: (directive) => directive.args[0]!.text,
    setup: (name, context) => {
      context.addReadiness({ name, ready: () => gates.get(name) === true });
      return {};
    },
  };
}

/** Polls /ready (bounded) until it answers `status`. */
async function readyUntil(port: number, status: number, attempts = 150): Promise<string> {
  let last = { status: 0, body: '' };
  for (let i = 0; i < attempts; i++) {
    last = await httpGet(port, '/ready');
    if (last.status === status) return last.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/ready stayed ${last.status} "${last.body}"`);
}

describe('ready', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("answers 503 with the sorted names of its blocks' plugins that are not ready, then 200 OK", async () => {
    const gates = new Map<string, boolean>();
    const port = await freePort();
    const corefile = `a.test {\n ready 127.0.0.1:${port}\n gate kubernetes\n}\nb.test {\n ready 127.0.0.1:${port}\n gate alpha\n}\nc.test {\n gate ignored\n}\n`;
    server = await startTestServer(corefile, { extraPlugins: [gatePlugin(gates)] });
    expect(await httpGet(port, '/ready')).toMatchObject({ status: 503, body: 'alpha,kubernetes' });
    gates.set('kubernetes', true);
    expect(await httpGet(port, '/ready')).toMatchObject({ status: 503, body: 'alpha' });
    gates.set('alpha', true);
    // `ignored` is in a block without ready: it does not count.
    expect(await httpGet(port, '/ready')).toMatchObject({ status: 200, body: 'OK' });
    gates.set('alpha', false);
    expect((await httpGet(port, '/ready')).status).toBe(200);
  });

  it('asks again after a plugin was ready with monitor continuously', async () => {
    const gates = new Map([['kubernetes', true]]);
    const port = await freePort();
    server = await startTestServer(`. {\n ready 127.0.0.1:${port} {\n  monitor continuously\n }\n gate kubernetes\n}\n`, {
      extraPlugins: [gatePlugin(gates)],
    });
    expect((await httpGet(port, '/ready')).status).toBe(200);
    gates.set('kubernetes', false);
    expect(await httpGet(port, '/ready')).toMatchObject({ status: 503, body: 'kubernetes' });
  });

  it('says "Shutting down" once the server is asked to stop', async () => {
    const gates = new Map([['kubernetes', true]]);
    const port = await freePort();
    const running = await startTestServer(`. {\n ready 127.0.0.1:${port}\n health 127.0.0.1:${await freePort()} {\n  lameduck 1s\n }\n gate kubernetes\n}\n`, {
      extraPlugins: [gatePlugin(gates)],
    });
    const stopped = running.stop();
    expect(await httpGet(port, '/ready')).toMatchObject({ status: 503, body: 'Shutting down' });
    await stopped;
    await expect(httpGet(port, '/ready')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('follows the kubernetes plugin through its first sync with an API server that fails at first', async () => {
    const api = new FakeApiServer();
    await api.start();
    const dir = mkdtempSync(join(tmpdir(), 'ready-test-'));
    try {
      api.upsert('namespace', namespaceObject('default'));
      api.upsert('service', serviceObject('default', 'web', { clusterIP: '10.96.0.10' }));
      const kubeconfig = await api.writeKubeconfig(dir);
      api.faults.failNext(2, 500, 'service');
      const port = await freePort();
      const corefile = `. {\n ready 127.0.0.1:${port}\n kubernetes cluster.local {\n  kubeconfig ${kubeconfig}\n  startup_timeout 100ms\n }\n}\n`;
      server = await startTestServer(corefile);
      expect(await httpGet(port, '/ready')).toMatchObject({ status: 503, body: 'kubernetes' });
      expect(await readyUntil(port, 200)).toBe('OK');
      expect((await dig('web.default.svc.cluster.local', { port: server.port })).answer.map((r) => r.data)).toEqual(['10.96.0.10']);
    } finally {
      await server?.stop();
      server = undefined;
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
