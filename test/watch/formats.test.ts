import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { envelope, field, message } from '../../src/test-support/protobuf.ts';
import { eventually } from '../../src/test-support/wait.ts';
import { endpointSliceObject, namespaceObject, podObject, serviceObject, type FakeApiServer } from '../fake-apiserver/index.ts';
import { startHarness, type Harness } from './harness.ts';

/** Which encoding the client gets: protobuf from a server that offers it, JSON from one that does not, and errors for neither. */

let harness: Harness | undefined;
let raw: http.Server | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  await new Promise((resolve) => (raw ? raw.close(resolve) : resolve(undefined)));
  raw = undefined;
});

function seed(server: FakeApiServer): void {
  server.upsert('namespace', namespaceObject('default'));
  server.upsert('service', serviceObject('default', 'web', { clusterIP: '10.96.0.10' }));
  server.upsert('endpointslice', endpointSliceObject('default', 'web', 'web-abc', ['10.0.0.1']));
  server.upsert('pod', podObject('default', 'web-0', '10.0.0.1'));
}

/** Syncs, then checks that a change, a deletion, an expired watch (ERROR 410, relist) and a bookmark all reach the client. */
async function followsChanges(h: Harness): Promise<void> {
  const { server, store, source } = h;
  await source.onSynced;
  expect(store.service('default', 'web')?.clusterIPs).toEqual(['10.96.0.10']);
  expect(store.pod('default', 'web-0')?.ips).toEqual(['10.0.0.1']);
  await eventually(() => server.watchCount() === 4, 'a watch per type');
  server.upsert('service', serviceObject('default', 'web', { clusterIP: '10.96.0.10', port: 8443 }));
  server.remove('pod', 'default', 'web-0');
  await eventually(() => store.service('default', 'web')?.ports[0]?.port === 8443 && store.pod('default', 'web-0') === undefined, 'the change and the deletion');
  server.faults.expireWatches();
  await eventually(() => h.reflector('services').lists === 2 && server.watchCount('service') === 1, 'a relist after ERROR 410, and a new watch');
  server.upsert('endpointslice', endpointSliceObject('default', 'web', 'web-abc', ['10.0.0.2']));
  server.sendBookmarks();
  await eventually(() => h.reflector('services').resourceVersion === String(server.resourceVersion), 'the bookmark');
}

/** A server answering every request with `answer`: for what the fake would never send. */
async function rawServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
  const server = http.createServer(answer);
  raw = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const retryErrors = (h: Harness): unknown[] => h.logs.filter((l) => l.msg.includes('retrying')).map((l) => l['err']);

describe('wire formats', () => {
  it('lists and watches in protobuf by default, as client-go asks', async () => {
    harness = await startHarness({ seed, source: { watchPods: true, watchNamespaces: true } });
    await followsChanges(harness);
    expect(harness.server.requests.length).toBeGreaterThan(8);
    expect(new Set(harness.server.requests.map((r) => r.format))).toEqual(new Set(['protobuf']));
  });

  it('lists and watches in JSON from a server that has no protobuf for the types (CRDs, some proxies)', async () => {
    harness = await startHarness({ seed, server: { protobuf: false }, source: { watchPods: true, watchNamespaces: true } });
    await followsChanges(harness);
    expect(new Set(harness.server.requests.map((r) => r.format))).toEqual(new Set(['json']));
  });

  it('reports a malformed protobuf list as a KubeProtocolError naming the path, and retries', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.kubernetes.protobuf' });
      res.end(envelope('v1', 'ServiceList', message(field(2, message(field(1, message(field(1, 'web'))))))).subarray(0, 30));
    });
    harness = await startHarness({ connect: () => ({ endpoint: url }), source: { watchEndpointSlices: false } });
    await eventually(() => retryErrors(harness as Harness).length >= 2, 'two failed lists');
    expect(harness.source.synced).toBe(false);
    expect(retryErrors(harness)[0]).toMatchObject({ type: 'KubeProtocolError', path: '/api/v1/services', message: expect.stringMatching(/^\/api\/v1\/services: list response is malformed protobuf: .* cut off/) });
  });

  it('reports a malformed protobuf watch event as a KubeProtocolError naming the path', async () => {
    const emptyList = envelope('v1', 'ServiceList', message(field(1, message(field(2, '5')))));
    const url = await rawServer((req, res) => {
      if (!req.url?.includes('watch=')) {
        res.writeHead(200, { 'Content-Type': 'application/vnd.kubernetes.protobuf' });
        res.end(emptyList);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/vnd.kubernetes.protobuf;stream=watch' });
      res.end(Buffer.from([0, 0, 0, 3, 0x0a, 0x09, 0x41]));
    });
    harness = await startHarness({ connect: () => ({ endpoint: url }), source: { watchEndpointSlices: false } });
    await harness.source.onSynced;
    await eventually(() => retryErrors(harness as Harness).length >= 1, 'a failed watch');
    expect(retryErrors(harness)[0]).toMatchObject({ type: 'KubeProtocolError', path: '/api/v1/services', message: expect.stringContaining('watch event is malformed protobuf') });
  });
});
