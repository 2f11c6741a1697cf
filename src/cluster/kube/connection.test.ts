import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thrownBy } from '../../test-support/errors.ts';
import { resolveConnection } from './connection.ts';
import { KubeConfigError } from './errors.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-connection-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const configError = (run: () => unknown): KubeConfigError => thrownBy(KubeConfigError, run);

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

  it('rejects an empty token file', async () => {
    const accountDir = join(dir, 'empty-token');
    await mkdir(accountDir);
    await writeFile(join(accountDir, 'token'), '\n');
    await writeFile(join(accountDir, 'ca.crt'), 'ca');
    const error = configError(() => resolveConnection({ inCluster: { serviceAccountDir: accountDir, host: '10.96.0.1', port: '443' } }));
    expect(error.message).toBe(`service account token ${join(accountDir, 'token')} is empty`);
  });

  it('reads the rotated token once the refresh period has passed, and a renewed CA at once', async () => {
    const accountDir = join(dir, 'rotating');
    await mkdir(accountDir);
    await writeFile(join(accountDir, 'token'), 'first\n');
    await writeFile(join(accountDir, 'ca.crt'), 'ca one');
    const connection = resolveConnection({
      inCluster: { serviceAccountDir: accountDir, host: '10.96.0.1', port: '443' },
      tokenFileRefreshMs: 300,
    });
    const before = await connection.requestOptions();
    expect(before.headers).toMatchObject({ Authorization: 'Bearer first' });
    await writeFile(join(accountDir, 'token'), 'second\n');
    await writeFile(join(accountDir, 'ca.crt'), 'ca two, longer');
    const soon = await connection.requestOptions();
    // Within the period the cached token is still sent (as client-go); the CA is checked every time.
    expect(soon.headers).toMatchObject({ Authorization: 'Bearer first' });
    expect(String(soon.ca)).toBe('ca two, longer');
    expect(soon.agent).not.toBe(before.agent);
    await sleep(350);
    const later = await connection.requestOptions();
    expect(later.headers).toMatchObject({ Authorization: 'Bearer second' });
    expect(later.agent).toBe(soon.agent);
  });

  it('keeps the last token and CA while the files cannot be read', async () => {
    const accountDir = join(dir, 'vanishing');
    await mkdir(accountDir);
    await writeFile(join(accountDir, 'token'), 'kept');
    await writeFile(join(accountDir, 'ca.crt'), 'kept ca');
    const connection = resolveConnection({
      inCluster: { serviceAccountDir: accountDir, host: '10.96.0.1', port: '443' },
      tokenFileRefreshMs: 0,
    });
    await unlink(join(accountDir, 'token'));
    await unlink(join(accountDir, 'ca.crt'));
    const options = await connection.requestOptions();
    expect(options.headers).toMatchObject({ Authorization: 'Bearer kept' });
    expect(String(options.ca)).toBe('kept ca');
    await writeFile(join(accountDir, 'token'), 'back');
    expect((await connection.requestOptions()).headers).toMatchObject({ Authorization: 'Bearer back' });
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
    await writeFile(path, 'clusters: [');
    const error = configError(() => resolveConnection({ kubeconfig: { path } }));
    expect(error.message).toMatch(new RegExp(`^kubeconfig ${path} is invalid: `));
    expect(error.path).toBe(path);
    await writeFile(path, '');
    expect(configError(() => resolveConnection({ kubeconfig: { path } })).message).toBe(`kubeconfig ${path} has no current-context and none was given`);
  });
});

describe('kubeconfig fields', () => {
  let configDir: string;
  const base64 = (text: string): string => Buffer.from(text).toString('base64');

  beforeAll(async () => {
    configDir = join(dir, 'fields');
    await mkdir(join(configDir, 'pki'), { recursive: true });
    await writeFile(join(configDir, 'pki', 'ca.crt'), 'ca from file');
    await writeFile(join(configDir, 'pki', 'client.crt'), 'cert from file');
    await writeFile(join(configDir, 'pki', 'client.key'), 'key from file');
    await writeFile(join(configDir, 'token'), 'token from file\n');
  });

  /** Writes a YAML kubeconfig with one context `c` joining the cluster and user given as YAML lines. */
  async function kubeconfigWith(name: string, cluster: string[], user: string[]): Promise<string> {
    const indent = (lines: string[]): string => lines.map((line) => `      ${line}\n`).join('');
    const path = join(configDir, name);
    await writeFile(
      path,
      `apiVersion: v1
kind: Config
current-context: c
clusters:
  - name: k
    cluster:
${indent(cluster)}users:
  - name: u
    user:
${indent(user)}contexts:
  - name: c
    context: {cluster: k, user: u}
`,
    );
    return path;
  }

  it('reads YAML with files relative to the kubeconfig: CA, client certificate and tokenFile', async () => {
    const path = await kubeconfigWith(
      'relative.yaml',
      ['server: https://api.example:6443/', 'certificate-authority: pki/ca.crt'],
      ['client-certificate: pki/client.crt', 'client-key: ./pki/client.key', 'tokenFile: token'],
    );
    const connection = resolveConnection({ kubeconfig: { path } });
    expect(connection.server.href).toBe('https://api.example:6443/');
    expect(connection.description).toBe(`kubeconfig ${path} (context c)`);
    const options = await connection.requestOptions();
    expect(String(options.ca)).toBe('ca from file');
    expect(String(options.cert)).toBe('cert from file');
    expect(String(options.key)).toBe('key from file');
    expect(options.headers).toMatchObject({ Authorization: 'Bearer token from file' });
    expect(options.rejectUnauthorized).toBeUndefined();
  });

  it('prefers inline data to files, as client-go does', async () => {
    const path = await kubeconfigWith(
      'data.yaml',
      ['server: https://api.example', 'certificate-authority: pki/ca.crt', `certificate-authority-data: ${base64('ca from data')}`],
      [
        'client-certificate: pki/client.crt',
        `client-certificate-data: ${base64('cert from data')}`,
        'client-key: pki/client.key',
        `client-key-data: ${base64('key from data')}`,
        'token: literal',
      ],
    );
    const options = await resolveConnection({ kubeconfig: { path } }).requestOptions();
    expect(String(options.ca)).toBe('ca from data');
    expect(String(options.cert)).toBe('cert from data');
    expect(String(options.key)).toBe('key from data');
    expect(options.headers).toMatchObject({ Authorization: 'Bearer literal' });
  });

  it('sends basic auth for username and password', async () => {
    const path = await kubeconfigWith('basic.yaml', ['server: https://api.example'], ['username: admin', 'password: "s3cret:x"']);
    const options = await resolveConnection({ kubeconfig: { path } }).requestOptions();
    expect(options.headers).toMatchObject({ Authorization: `Basic ${base64('admin:s3cret:x')}` });
  });

  it('skips TLS verification when asked, and verifies against tls-server-name', async () => {
    const insecure = await kubeconfigWith('insecure.yaml', ['server: https://10.0.0.1', 'insecure-skip-tls-verify: true'], ['token: t']);
    expect((await resolveConnection({ kubeconfig: { path: insecure } }).requestOptions()).rejectUnauthorized).toBe(false);
    const named = await kubeconfigWith('named.yaml', ['server: https://10.0.0.1', 'tls-server-name: api.internal'], ['token: t']);
    const options = await resolveConnection({ kubeconfig: { path: named } }).requestOptions();
    expect(options.servername).toBe('api.internal');
    expect(options.rejectUnauthorized).toBeUndefined();
  });

  it('asks to impersonate with as and as-groups', async () => {
    const path = await kubeconfigWith('as.yaml', ['server: https://api.example'], ['token: t', 'as: jane', 'as-groups: [dev, ops]']);
    const options = await resolveConnection({ kubeconfig: { path } }).requestOptions();
    expect(options.headers).toMatchObject({ 'Impersonate-User': 'jane', 'Impersonate-Group': ['dev', 'ops'] });
  });

  it('reads a rotated tokenFile after the refresh period', async () => {
    const tokenPath = join(configDir, 'rotating-token');
    await writeFile(tokenPath, 'one');
    const path = await kubeconfigWith('token-file.yaml', ['server: https://api.example'], [`tokenFile: ${tokenPath}`, 'token: ignored']);
    const connection = resolveConnection({ kubeconfig: { path }, tokenFileRefreshMs: 100 });
    expect((await connection.requestOptions()).headers).toMatchObject({ Authorization: 'Bearer one' });
    await writeFile(tokenPath, 'two');
    await sleep(150);
    expect((await connection.requestOptions()).headers).toMatchObject({ Authorization: 'Bearer two' });
  });

  it('sends no credentials for a context without a user, nor TLS options to a plain HTTP server', async () => {
    const path = join(configDir, 'anonymous.yaml');
    await writeFile(
      path,
      `clusters: [{name: k, cluster: {server: 'http://127.0.0.1:8001', certificate-authority-data: ${base64('unused')}}}]
contexts: [{name: c, context: {cluster: k}}]
current-context: c
`,
    );
    const options = await resolveConnection({ kubeconfig: { path } }).requestOptions();
    expect(options.headers).toEqual({});
    expect(options.ca).toBeUndefined();
  });

  it('says proxy-url is not supported', async () => {
    const path = await kubeconfigWith('proxy.yaml', ['server: https://api.example', 'proxy-url: http://proxy:3128'], ['token: t']);
    const error = configError(() => resolveConnection({ kubeconfig: { path } }));
    expect(error.message).toBe(
      `kubeconfig ${path}: cluster "k" sets proxy-url, which clusterdns does not support: it connects to the API server directly`,
    );
    expect(error.path).toBe(path);
  });

  it('names the missing file a kubeconfig refers to', async () => {
    const path = await kubeconfigWith('missing-file.yaml', ['server: https://api.example'], ['client-certificate: pki/absent.crt', 'client-key: pki/client.key']);
    const error = configError(() => resolveConnection({ kubeconfig: { path } }));
    expect(error.path).toBe(join(configDir, 'pki', 'absent.crt'));
    expect(error.message).toMatch(new RegExp(`^kubeconfig ${path}: user "u" client-certificate ${join(configDir, 'pki', 'absent.crt')} is not readable: `));
  });

  it('rejects contradictory or incomplete fields, naming the entry', async () => {
    // [cluster lines, user lines, the message after `kubeconfig PATH`]
    const cases: Array<[string[], string[], string]> = [
      [['server: https://a', 'insecure-skip-tls-verify: true', 'certificate-authority: pki/ca.crt'], ['token: t'], ': cluster "k" sets both insecure-skip-tls-verify and a certificate authority'],
      [['server: https://a', 'insecure-skip-tls-verify: "yes"'], ['token: t'], ' is invalid: cluster "k": insecure-skip-tls-verify must be true or false'],
      [['server: https://a', 'certificate-authority-data: "not base64!"'], ['token: t'], ' is invalid: cluster "k": certificate-authority-data is not base64'],
      [['insecure-skip-tls-verify: true'], ['token: t'], ': cluster "k" has no server'],
      [['server: https://a'], ['token: t', 'username: u', 'password: p'], ': user "u" sets both a bearer token and username/password; keep one'],
      [['server: https://a'], ['password: p'], ': user "u" has a password but no username'],
      [['server: https://a'], ['client-certificate: pki/client.crt'], ': user "u" has a client certificate but no client key'],
      [['server: https://a'], ['client-key: pki/client.key'], ': user "u" has a client key but no client certificate'],
      [['server: https://a'], ['exec: {command: x}', 'auth-provider: {name: oidc}'], ': user "u" sets both exec and auth-provider; keep one'],
      [['server: https://a'], ['exec: {apiVersion: client.authentication.k8s.io/v1}'], ': user "u" has an exec plugin without a command'],
    ];
    for (const [cluster, user, problem] of cases) {
      const path = await kubeconfigWith('contradiction.yaml', cluster, user);
      expect(configError(() => resolveConnection({ kubeconfig: { path } })).message).toBe(`kubeconfig ${path}${problem}`);
    }
  });

  it('names a user the context refers to but the file does not define', async () => {
    const path = join(configDir, 'no-user.yaml');
    await writeFile(path, 'clusters: [{name: k, cluster: {server: "https://a"}}]\ncontexts: [{name: c, context: {cluster: k, user: ghost}}]\n');
    expect(configError(() => resolveConnection({ kubeconfig: { path, context: 'c' } })).message).toBe(
      `kubeconfig ${path}: context "c" names user "ghost", which is not defined`,
    );
  });

  it('ignores problems in entries the chosen context does not use', async () => {
    const path = join(configDir, 'others.yaml');
    await writeFile(
      path,
      `clusters:
  - {name: good, cluster: {server: "https://a"}}
  - {name: bad, cluster: {server: "https://b", proxy-url: "http://proxy"}}
users:
  - {name: bad, user: {client-certificate: /nowhere}}
contexts:
  - {name: c, context: {cluster: good}}
  - {name: d, context: {cluster: bad, user: bad}}
current-context: c
`,
    );
    expect(resolveConnection({ kubeconfig: { path } }).server.origin).toBe('https://a');
    expect(configError(() => resolveConnection({ kubeconfig: { path, context: 'd' } })).message).toMatch(/proxy-url/);
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
