import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { eventually } from '../../src/test-support/wait.ts';
import { FakeApiServer, namespaceObject } from '../fake-apiserver/index.ts';

/** The API's ServiceImports and clusterset slices, watched: a custom resource, listed and watched as JSON. */
function serviceImport(name: string, ips: string[]) {
  return { metadata: { namespace: 'shop', name }, spec: { type: 'ClusterSetIP', ips, ports: [{ name: 'sql', protocol: 'TCP', port: 5432 }] } };
}

describe('multicluster from the API', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('watches ServiceImports as JSON beside the protobuf of built-in kinds, and answers their changes', async () => {
    const api = new FakeApiServer();
    await api.start();
    cleanups.push(() => api.stop());
    const dir = await mkdtemp(join(tmpdir(), 'multicluster-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    api.upsert('namespace', namespaceObject('shop'));
    api.upsert('serviceimport', serviceImport('db', ['10.42.0.1']));
    const kubeconfig = await api.writeKubeconfig(dir);
    const dns: TestServer = await startTestServer(
      `. {\n kubernetes cluster.local clusterset.local {\n  kubeconfig ${kubeconfig}\n  multicluster clusterset.local\n }\n}\n`,
    );
    cleanups.push(() => dns.stop());
    const answer = async () => (await dig('db.shop.svc.clusterset.local', { port: dns.port })).answer.map((r) => r.data);

    expect(await answer()).toEqual(['10.42.0.1']);
    const imports = api.requests.filter((request) => request.kind === 'serviceimport');
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.every((request) => request.format === 'json')).toBe(true);
    expect(api.requests.some((request) => request.kind === 'service' && request.format === 'protobuf')).toBe(true);

    api.upsert('serviceimport', serviceImport('db', ['10.42.0.2']));
    await eventually(async () => (await answer()).join() === '10.42.0.2', 'the changed ServiceImport to answer');
    api.remove('serviceimport', 'shop', 'db');
    await eventually(async () => (await dig('db.shop.svc.clusterset.local', { port: dns.port })).status === 'NXDOMAIN', 'the deleted one to be gone');
  });
});
