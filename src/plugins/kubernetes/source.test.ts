import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiSource } from '../../cluster/kube/index.ts';
import { CorefileError } from '../../corefile/types.ts';
import { parseCorefile } from '../../corefile/parse.ts';
import { silentLogger } from '../../log.ts';
import { parseKubernetes } from './parse.ts';
import { createApiSource } from './source.ts';

function options(body: string) {
  const directive = parseCorefile(`cluster.local {\nkubernetes {\n${body}\n}\n}\n`, 'Corefile').blocks[0]!.directives[0]!;
  return parseKubernetes(directive, ['cluster.local']);
}

describe('createApiSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterdns-kubeconfig-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('connects as `endpoint` says', async () => {
    const source = await createApiSource(options('endpoint http://127.0.0.1:8080'), silentLogger);
    expect(source).toBeInstanceOf(KubeApiSource);
    expect((source as KubeApiSource).connection.server.origin).toBe('http://127.0.0.1:8080');
  });

  it('connects as the kubeconfig context says, in preference to `endpoint`', async () => {
    const path = join(dir, 'config');
    await writeFile(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: a',
        'clusters:',
        '- {name: a, cluster: {server: "http://127.0.0.1:1111"}}',
        '- {name: b, cluster: {server: "http://127.0.0.1:2222"}}',
        'users: [{name: u, user: {token: t}}]',
        'contexts:',
        '- {name: a, context: {cluster: a, user: u}}',
        '- {name: b, context: {cluster: b, user: u}}',
      ].join('\n'),
    );
    const chosen = (await createApiSource(options(`kubeconfig ${path} b\nendpoint http://127.0.0.1:9999`), silentLogger)) as KubeApiSource;
    expect(chosen.connection.server.origin).toBe('http://127.0.0.1:2222');
    const current = (await createApiSource(options(`kubeconfig ${path}`), silentLogger)) as KubeApiSource;
    expect(current.connection.server.origin).toBe('http://127.0.0.1:1111');
  });

  it('fails at once when the connection cannot be worked out', async () => {
    await expect(createApiSource(options(`kubeconfig ${join(dir, 'absent')}`), silentLogger)).rejects.toThrow(/absent/);
    expect(() => options('endpoint http://x\nmanifests a.yaml')).toThrow(CorefileError);
  });
});
