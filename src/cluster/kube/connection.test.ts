import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConnection } from './connection.ts';
import { KubeConfigError } from './errors.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-connection-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function configError(run: () => unknown): KubeConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof KubeConfigError) return error;
    throw error;
  }
  throw new Error('expected a KubeConfigError');
}

describe('in-cluster connection', () => {
  it('says it is not in a cluster when the service environment is missing', () => {
    const error = configError(() => resolveConnection({ inCluster: { serviceAccountDir: dir, host: '', port: '' } }));
    expect(error.message).toMatch(/KUBERNETES_SERVICE_HOST/);
  });

  it('names the missing token file', () => {
    const accountDir = join(dir, 'no-token');
    const error = configError(() => resolveConnection({ inCluster: { serviceAccountDir: accountDir, host: '10.96.0.1', port: '443' } }));
    expect(error.path).toBe(join(accountDir, 'token'));
    expect(error.message).toMatch(/service account token/);
  });

  it('authenticates with the mounted token and trusts the mounted CA', async () => {
    const accountDir = join(dir, 'account');
    await mkdir(accountDir);
    await writeFile(join(accountDir, 'token'), 'sa-token');
    await writeFile(join(accountDir, 'ca.crt'), 'not really a certificate');
    const connection = resolveConnection({ inCluster: { serviceAccountDir: accountDir, host: 'fd00::1', port: '6443' } });
    expect(connection.server.href).toBe('https://[fd00::1]:6443/');
    expect(connection.description).toBe('in-cluster');
    const options = await connection.requestOptions();
    expect(options.headers).toMatchObject({ Authorization: 'Bearer sa-token' });
    expect(String(options.ca)).toBe('not really a certificate');
  });
});

describe('kubeconfig connection', () => {
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:8080' } }],
    users: [{ name: 'u', user: { token: 't1' } }, { name: 'v', user: { token: 't2' } }],
    contexts: [
      { name: 'one', context: { cluster: 'c', user: 'u' } },
      { name: 'two', context: { cluster: 'c', user: 'v' } },
      { name: 'broken', context: { cluster: 'missing', user: 'v' } },
    ],
    'current-context': 'one',
  };

  it('names an unreadable kubeconfig', () => {
    const path = join(dir, 'absent-kubeconfig');
    const error = configError(() => resolveConnection({ kubeconfig: { path } }));
    expect(error.path).toBe(path);
    expect(error.message).toMatch(/not readable/);
  });

  it('uses the current context, or the one given', async () => {
    const path = join(dir, 'kubeconfig');
    await writeFile(path, JSON.stringify(kubeconfig));
    const current = resolveConnection({ kubeconfig: { path } });
    expect((await current.requestOptions()).headers).toMatchObject({ Authorization: 'Bearer t1' });
    const chosen = resolveConnection({ kubeconfig: { path, context: 'two' } });
    expect((await chosen.requestOptions()).headers).toMatchObject({ Authorization: 'Bearer t2' });
    expect(chosen.description).toBe(`kubeconfig ${path} (context two)`);
    expect(chosen.server.origin).toBe('http://127.0.0.1:8080');
  });

  it('names an unknown context and lists the known ones', async () => {
    const path = join(dir, 'kubeconfig');
    await writeFile(path, JSON.stringify(kubeconfig));
    const error = configError(() => resolveConnection({ kubeconfig: { path, context: 'three' } }));
    expect(error.message).toBe(`kubeconfig ${path} has no context "three" (known: one, two, broken)`);
    expect(configError(() => resolveConnection({ kubeconfig: { path, context: 'broken' } })).message).toMatch(/cluster "missing"/);
  });

  it('rejects a kubeconfig that is not a kubeconfig', async () => {
    const path = join(dir, 'garbage');
    await writeFile(path, 'clusters: [{cluster: {}}]');
    expect(configError(() => resolveConnection({ kubeconfig: { path } })).message).toMatch(/invalid/);
  });
});

describe('endpoint connection', () => {
  it('rejects a URL that is not http(s)', () => {
    expect(configError(() => resolveConnection({ endpoint: 'ftp://x' })).message).toMatch(/http or https/);
    expect(configError(() => resolveConnection({ endpoint: 'not a url' })).message).toMatch(/invalid API server URL/);
  });

  it('names a missing tls file', () => {
    const cert = join(dir, 'client.crt');
    const error = configError(() => resolveConnection({ endpoint: 'https://10.0.0.1:6443', tls: { cert, key: cert, ca: cert } }));
    expect(error.path).toBe(cert);
  });

  it('connects to a plain HTTP endpoint without credentials', async () => {
    const connection = resolveConnection({ endpoint: 'http://127.0.0.1:8001/' });
    expect(connection.server.href).toBe('http://127.0.0.1:8001/');
    const options = await connection.requestOptions();
    expect(options.headers).not.toHaveProperty('Authorization');
  });
});
