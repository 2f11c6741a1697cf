import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadCorefile } from '../../src/corefile/parse.ts';
import type { Corefile } from '../../src/corefile/types.ts';
import { plugins } from '../../src/test-support/plugins.ts';
import { planServer } from '../../src/server/config.ts';
import { dig } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer } from '../../src/test-support/server.ts';
import { openBlackHole } from './black-hole.ts';
import { directivesNamed, missingPlugins } from './corefile-facts.ts';
import { httpGetUntil } from './http.ts';
import { REPO } from './manifests.ts';
import { httpAddressesOf, runnableCorefile, type HttpEndpoint } from './runnable.ts';

const EXAMPLES = ['kubeadm', 'stub-domains', 'nodelocal', 'autopath', 'split-horizon'];
const FIXTURE = join(import.meta.dirname, 'fixtures', 'cluster.yaml');

/** `name.namespace` -> cluster IP, from the fixture the examples run on. */
const clusterIPs = new Map(
  parseAllDocuments(readFileSync(FIXTURE, 'utf8'))
    .map((document) => document.toJS() as { kind: string; metadata: { name: string; namespace: string }; spec?: { clusterIP?: string } })
    .filter((object) => object.kind === 'Service')
    .map((object) => [`${object.metadata.name}.${object.metadata.namespace}`, object.spec?.clusterIP]),
);

const HTTP_PATHS: Readonly<Record<HttpEndpoint['plugin'], string>> = { health: '/health', ready: '/ready', prometheus: '/metrics' };

function expectCompiledIn(corefile: Corefile): void {
  const missing = missingPlugins(corefile, plugins);
  expect(missing, `not compiled in (src/plugins/index.ts): ${missing.join(', ')}`).toEqual([]);
}

/** `IP NAME...` lines of every `hosts` block: what the example answers locally. */
function hostsEntries(corefile: Corefile): { address: string; name: string }[] {
  const known = new Set(['ttl', 'fallthrough', 'fallthrough_unsupported', 'no_reverse', 'reload']);
  return directivesNamed(corefile, 'hosts').flatMap((directive) =>
    (directive.block ?? [])
      .filter((line) => !known.has(line.name.text))
      .flatMap((line) => line.args.map((name) => ({ address: line.name.text, name: name.text }))),
  );
}

/** `rewrite ... name exact FROM TO ... answer auto` rules (block or line form): FROM and TO. */
function exactRewrites(corefile: Corefile): { from: string; to: string }[] {
  return directivesNamed(corefile, 'rewrite').flatMap((directive) => {
    const words = [...directive.args, ...(directive.block ?? []).flatMap((line) => [line.name, ...line.args])].map((token) => token.text);
    const at = words.indexOf('exact');
    return words[at - 1] === 'name' && words.includes('auto') ? [{ from: words[at + 1]!, to: words[at + 2]! }] : [];
  });
}

describe.each(EXAMPLES)('corefile-examples/%s/Corefile', (example) => {
  const path = join(REPO, 'corefile-examples', example, 'Corefile');

  it('opens with a comment header', () => {
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.findIndex((text) => !text.startsWith('#'))).toBeGreaterThanOrEqual(2);
  });

  it('uses only compiled-in plugins and plans as a server on port 53', () => {
    const corefile = loadCorefile(path);
    expectCompiledIn(corefile);
    const plan = planServer(corefile, { registry: plugins });
    expect(new Set(plan.listeners.map((listener) => listener.port))).toEqual(new Set([53]));
  });

  it('starts on loopback with the cluster from manifests, serving its HTTP endpoints and local answers', async () => {
    const corefile = loadCorefile(path);
    expectCompiledIn(corefile);
    const upstream = await openBlackHole();
    const ports = new Map<string, number>();
    for (const { plugin, address } of httpAddressesOf(corefile)) ports.set(`${plugin} ${address}`, await freePort());
    const runnable = runnableCorefile(corefile, { manifests: FIXTURE, upstream: upstream.address, httpPort: (plugin, address) => ports.get(`${plugin} ${address}`)! });
    const server = await startTestServer(runnable.text).catch(async (error: unknown) => {
      await upstream.close();
      throw error;
    });
    try {
      expect(server.server.listeners.map((listener) => listener.address)).toEqual(['127.0.0.1', '127.0.0.1']);
      for (const endpoint of runnable.http) {
        const response = await httpGetUntil(endpoint.port, HTTP_PATHS[endpoint.plugin], 200);
        expect(response.status, `${endpoint.plugin} ${endpoint.original}`).toBe(200);
        if (endpoint.plugin === 'prometheus') expect(response.body).toContain('coredns_build_info');
      }
      for (const directive of directivesNamed(corefile, 'kubernetes')) {
        const zone = directive.args[0]!.text;
        const answer = await dig(`kubernetes.default.svc.${zone}`, { port: server.port });
        expect(answer.answer.map((record) => record.data)).toEqual([clusterIPs.get('kubernetes.default')]);
      }
      for (const { address, name } of hostsEntries(corefile)) {
        const answer = await dig(name, { port: server.port, type: address.includes(':') ? 'AAAA' : 'A' });
        expect(answer.answer.map((record) => [record.name, record.data])).toEqual([[`${name}.`, address]]);
      }
      for (const { from, to } of exactRewrites(corefile)) {
        const direct = await dig(to, { port: server.port });
        const rewritten = await dig(from, { port: server.port });
        expect(direct.answer.length).toBeGreaterThan(0);
        expect(rewritten.answer.map((record) => [record.name, record.data])).toEqual(direct.answer.map((record) => [`${from}.`, record.data]));
      }
    } finally {
      await server.stop();
      await upstream.close();
    }
  });
});
