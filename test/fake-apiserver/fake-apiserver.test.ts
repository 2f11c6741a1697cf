import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { FakeApiServer } from './server.ts';
import { namespaceObject, podObject, serviceObject } from './fixtures.ts';
import { parseFieldSelector, parseLabelSelector, SelectorSyntaxError } from './selectors.ts';
import { getBytes, getJson, openWatch } from './test-client.ts';
import { FrameSplitter } from '../../src/cluster/kube/frames.ts';
import { decodeList, decodeObject, decodeWatchEvent } from '../../src/cluster/kube/protobuf/index.ts';

describe('label selectors', () => {
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'db' }, false],
    ['app!=web', {}, true],
    ['app!=web', { app: 'web' }, false],
    ['tier in (a, b)', { tier: 'b' }, true],
    ['tier in (a,b)', {}, false],
    ['tier notin (a,b)', {}, true],
    ['tier notin (a,b)', { tier: 'a' }, false],
    ['app', { app: '' }, true],
    ['!app', { app: 'x' }, false],
    ['!app', {}, true],
    ['app=web,tier in (x),!canary', { app: 'web', tier: 'x' }, true],
    ['app=web,tier in (x),!canary', { app: 'web', tier: 'x', canary: '1' }, false],
    ['app=', { app: '' }, true],
    ['n>3', { n: '4' }, true],
    ['', { any: 'thing' }, true],
  ];
  it.each(cases)('%s against %o is %s', (selector, labels, expected) => {
    expect(parseLabelSelector(selector)(labels)).toBe(expected);
  });

  it.each(['app=web,', 'tier in (a', 'in in', '=x', 'a b'])('rejects %s', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorSyntaxError);
  });

  it('evaluates pod field selectors and rejects unknown fields', () => {
    const notTerminal = parseFieldSelector('status.phase!=Succeeded,status.phase!=Failed', true);
    expect(notTerminal(podObject('a', 'p', '10.0.0.1', { phase: 'Running' }))).toBe(true);
    expect(notTerminal(podObject('a', 'p', '10.0.0.1', { phase: 'Failed' }))).toBe(false);
    expect(() => parseFieldSelector('status.phase=Running', false)).toThrow(/not supported/);
  });
});

describe('FakeApiServer over HTTPS', () => {
  const server = new FakeApiServer({ historyLimit: 10 });

  beforeAll(async () => {
    await server.start();
    for (let i = 0; i < 5; i++) server.upsert('service', serviceObject('default', `svc-${i}`, { labels: { n: String(i) } }));
    server.upsert('namespace', namespaceObject('default'));
  });
  afterAll(() => server.stop());

  it('requires the bearer token or a client certificate signed by its CA', async () => {
    expect((await getJson(server, '/api/v1/services', { token: null })).status).toBe(401);
    expect((await getJson(server, '/api/v1/services', { token: 'wrong' })).body).toMatchObject({ kind: 'Status', code: 401 });
    const cert = server.clientCert;
    if (!cert) throw new Error('no client certificate');
    const [certPem, keyPem] = await Promise.all([readFile(cert.certPath, 'utf8'), readFile(cert.keyPath, 'utf8')]);
    expect((await getJson(server, '/api/v1/services', { token: null, cert: certPem, key: keyPem })).status).toBe(200);
  });

  it('lists typed lists with a resourceVersion, items without type metadata', async () => {
    const { status, body } = await getJson(server, '/api/v1/namespaces');
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: String(server.resourceVersion) } });
    const items = body['items'] as Array<Record<string, unknown>>;
    expect(items.map((item) => (item['metadata'] as { name: string }).name)).toEqual(['default']);
    expect(items[0]).not.toHaveProperty('kind');
  });

  it('serves namespaced paths and the discovery group, 404 elsewhere', async () => {
    server.upsert('service', serviceObject('other', 'elsewhere'));
    const { body } = await getJson(server, '/api/v1/namespaces/other/services');
    expect((body['items'] as unknown[]).length).toBe(1);
    expect((await getJson(server, '/apis/discovery.k8s.io/v1/endpointslices')).body).toMatchObject({ kind: 'EndpointSliceList' });
    expect((await getJson(server, '/api/v1/configmaps')).status).toBe(404);
    server.remove('service', 'other', 'elsewhere');
  });

  it('pages a consistent snapshot, and answers 410 for an expired continue token', async () => {
    const first = await getJson(server, '/api/v1/namespaces/default/services?limit=2');
    const meta = first.body['metadata'] as { continue: string; resourceVersion: string; remainingItemCount: number };
    expect(meta.remainingItemCount).toBe(3);
    server.upsert('service', serviceObject('default', 'svc-late'));
    const names: string[] = [];
    let token: string | undefined = meta.continue;
    names.push(...(first.body['items'] as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name));
    for (let page = 0; token && page < 5; page++) {
      const next = await getJson(server, `/api/v1/namespaces/default/services?limit=2&continue=${token}`);
      const nextMeta = next.body['metadata'] as { continue?: string; resourceVersion: string };
      expect(nextMeta.resourceVersion).toBe(meta.resourceVersion);
      names.push(...(next.body['items'] as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name));
      token = nextMeta.continue;
    }
    expect(names).toEqual(['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4']);
    server.remove('service', 'default', 'svc-late');

    const again = await getJson(server, '/api/v1/services?limit=2');
    server.faults.expireContinueTokens();
    const expired = await getJson(server, `/api/v1/services?limit=2&continue=${(again.body['metadata'] as { continue: string }).continue}`);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ reason: 'Expired', code: 410 });
  });

  it('streams changes after a resourceVersion, with selector transitions and bookmarks', async () => {
    const rv = server.resourceVersion;
    const watch = await openWatch(server, `/api/v1/services?watch=1&resourceVersion=${rv}&labelSelector=n%20in%20(1,2)&allowWatchBookmarks=true`);
    expect(watch.status).toBe(200);
    server.upsert('service', serviceObject('default', 'svc-1', { labels: { n: '1' }, port: 81 }));
    server.upsert('service', serviceObject('default', 'svc-2', { labels: { n: 'gone' } }));
    server.upsert('service', serviceObject('default', 'svc-3', { labels: { n: '2' } }));
    server.upsert('service', serviceObject('default', 'svc-4', { labels: { n: 'no' } }));
    server.sendBookmarks();
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const event = await watch.next();
      seen.push(`${event?.type} ${event?.object.metadata?.name ?? ''}`);
    }
    expect(seen).toEqual(['MODIFIED svc-1', 'DELETED svc-2', 'ADDED svc-3', 'BOOKMARK ']);
    expect(watch.events[3]?.object.metadata?.resourceVersion).toBe(String(server.resourceVersion));
    watch.close();
  });

  it('replays history to a resumed watch and sends ERROR 410 when the history is gone', async () => {
    const rv = server.resourceVersion;
    server.upsert('service', serviceObject('default', 'svc-0', { port: 90 }));
    const resumed = await openWatch(server, `/api/v1/services?watch=true&resourceVersion=${rv}`);
    expect((await resumed.next())?.type).toBe('MODIFIED');
    resumed.close();
    server.faults.compactHistory();
    const tooOld = await openWatch(server, `/api/v1/services?watch=true&resourceVersion=${rv}`);
    expect(await tooOld.next()).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410 } });
    await tooOld.ended;
    expect(await tooOld.next()).toBeUndefined();
  });

  it('sends synthetic ADDED events for a watch without a resourceVersion', async () => {
    const watch = await openWatch(server, '/api/v1/namespaces?watch=1');
    expect(await watch.next()).toMatchObject({ type: 'ADDED', object: { kind: 'Namespace', metadata: { name: 'default' } } });
    watch.close();
  });

  it('fails the next N requests, expires and closes streams on demand', async () => {
    server.faults.failNext(2, 503);
    expect((await getJson(server, '/api/v1/services')).status).toBe(503);
    expect((await getJson(server, '/api/v1/services')).status).toBe(503);
    expect((await getJson(server, '/api/v1/services')).status).toBe(200);
    server.faults.goneNext(1);
    expect((await getJson(server, '/api/v1/services')).status).toBe(410);

    const watch = await openWatch(server, `/api/v1/services?watch=1&resourceVersion=${server.resourceVersion}`);
    server.faults.expireWatches();
    expect(await watch.next()).toMatchObject({ type: 'ERROR', object: { code: 410 } });
    await watch.ended;
    expect(server.watchCount('service')).toBe(0);
  });

  it('ends a watch after timeoutSeconds', async () => {
    const watch = await openWatch(server, `/api/v1/pods?watch=1&resourceVersion=${server.resourceVersion}&timeoutSeconds=1`);
    await watch.ended;
    expect(watch.events).toEqual([]);
  });
});

describe('FakeApiServer over HTTP', () => {
  it('serves plain HTTP and filters pods by field selector', async () => {
    const server = new FakeApiServer({ tls: false });
    await server.start();
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      server.upsert('pod', podObject('default', 'running', '10.0.0.1'));
      server.upsert('pod', podObject('default', 'done', '10.0.0.2', { phase: 'Succeeded' }));
      const { body } = await getJson(server, '/api/v1/pods?fieldSelector=status.phase!%3DSucceeded');
      expect((body['items'] as Array<{ metadata: { name: string } }>).map((p) => p.metadata.name)).toEqual(['running']);
      expect((await getJson(server, '/api/v1/pods?fieldSelector=spec.bogus%3Dx')).status).toBe(400);
    } finally {
      await server.stop();
    }
  });
});

describe('FakeApiServer over protobuf', () => {
  const PROTOBUF_FIRST = 'application/vnd.kubernetes.protobuf, application/json';

  async function withServer(options: { protobuf?: boolean }, run: (server: FakeApiServer) => Promise<void>): Promise<void> {
    const server = new FakeApiServer({ tls: false, ...options });
    await server.start();
    try {
      server.upsert('pod', podObject('default', 'web-0', '10.0.0.1'));
      server.upsert('pod', podObject('default', 'web-1', '10.0.0.2'));
      await run(server);
    } finally {
      await server.stop();
    }
  }

  it('answers lists, watches and errors in protobuf to a client that prefers it', async () => {
    await withServer({}, async (server) => {
      const page = await getBytes(server, '/api/v1/pods?limit=1', { accept: PROTOBUF_FIRST });
      expect(page.contentType).toBe('application/vnd.kubernetes.protobuf');
      const names: unknown[] = [];
      const metadata = decodeList(page.body, (item) => names.push(item.metadata?.name));
      expect(names).toEqual(['web-0']);
      expect(metadata).toMatchObject({ resourceVersion: String(server.resourceVersion), continue: expect.any(String) });

      const refused = await getBytes(server, '/api/v1/pods', { accept: PROTOBUF_FIRST, token: 'wrong' });
      expect(refused.status).toBe(401);
      expect(decodeObject(refused.body)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
      expect(server.requests.map((r) => r.format)).toEqual(['protobuf', 'protobuf']);
    });
  });

  it('streams watch events as length-prefixed frames', async () => {
    await withServer({}, async (server) => {
      const url = new URL(`/api/v1/pods?watch=1&resourceVersion=${server.resourceVersion}`, server.url);
      const res = await new Promise<http.IncomingMessage>((resolve) => http.get(url, { headers: { Authorization: `Bearer ${server.token}`, Accept: PROTOBUF_FIRST } }, resolve));
      expect(res.headers['content-type']).toBe('application/vnd.kubernetes.protobuf;stream=watch');
      const events: Array<{ type: string; name?: string }> = [];
      const frames = new FrameSplitter(url.pathname);
      res.on('data', (chunk: Buffer) => frames.push(chunk, (frame) => {
        const event = decodeWatchEvent(frame);
        events.push({ type: event.type, name: event.object.metadata?.name });
      }));
      server.upsert('pod', podObject('default', 'web-2', '10.0.0.3'));
      server.remove('pod', 'default', 'web-0');
      while (events.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(events).toEqual([{ type: 'ADDED', name: 'web-2' }, { type: 'DELETED', name: 'web-0' }]);
      res.destroy();
    });
  });

  it('answers JSON when configured without protobuf', async () => {
    await withServer({ protobuf: false }, async (server) => {
      const page = await getBytes(server, '/api/v1/pods', { accept: PROTOBUF_FIRST });
      expect(page.contentType).toBe('application/json');
      expect(JSON.parse(page.body.toString())).toMatchObject({ kind: 'PodList', items: [{ metadata: { name: 'web-0' } }, { metadata: { name: 'web-1' } }] });
    });
  });

  it('refuses to store an object it could not serve as protobuf', async () => {
    await withServer({}, async (server) => {
      const rv = server.resourceVersion;
      expect(() => server.upsert('service', { metadata: { name: 'x', namespace: 'default' }, spec: { invented: true } })).toThrow(/Service\.spec\.invented/);
      expect(server.get('service', 'default', 'x')).toBeUndefined();
      expect(server.resourceVersion).toBe(rv);
    });
  });
});
