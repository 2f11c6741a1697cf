import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeConnectionOptions } from '../../src/cluster/kube/index.ts';
import type { LogLine } from '../../src/test-support/log.ts';
import { eventually } from '../../src/test-support/wait.ts';
import { serviceObject, type FakeApiServer } from '../fake-apiserver/index.ts';
import { startHarness, type Harness } from './harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

const base64 = (text: string): string => Buffer.from(text).toString('base64');

function seed(server: FakeApiServer): void {
  server.upsert('service', serviceObject('default', 'web', { clusterIP: '10.96.0.10' }));
}

/** The CA of an HTTPS fake; its clientCert and caPem exist once it has started. */
function pki(server: FakeApiServer): { caPem: string; certPath: string; keyPath: string } {
  const { caPem, clientCert } = server;
  if (!caPem || !clientCert) throw new Error('the fake API server serves HTTPS');
  return { caPem, ...clientCert };
}

/**
 * Connects through a YAML kubeconfig written next to the harness's own (which the harness
 * calls synchronously): one context `c` joining the cluster and user given as YAML lines.
 */
function viaKubeconfig(cluster: (server: FakeApiServer) => string[], user: (server: FakeApiServer, dir: string) => string[]) {
  return (server: FakeApiServer, harnessKubeconfig: string): KubeConnectionOptions => {
    const dir = dirname(harnessKubeconfig);
    const indent = (lines: string[]): string => lines.map((line) => `      ${line}\n`).join('');
    const path = join(dir, 'credentials.yaml');
    writeFileSync(
      path,
      `current-context: c
clusters:
  - name: fake
    cluster:
      server: ${server.url}
${indent(cluster(server))}users:
  - name: dns
    user:
${indent(user(server, dir))}contexts:
  - name: c
    context: {cluster: fake, user: dns}
`,
    );
    return { kubeconfig: { path } };
  };
}

function failures(logs: readonly LogLine[], text: string): LogLine[] {
  return logs.filter((line) => line.msg === 'kubernetes request failed; retrying' && String((line['err'] as { message?: unknown } | undefined)?.message).includes(text));
}

describe('in-cluster service account', () => {
  it('reads the rotated token after the refresh period and resumes watching', async () => {
    let tokenPath = '';
    harness = await startHarness({
      seed,
      connect: (server, kubeconfig) => {
        const accountDir = join(dirname(kubeconfig), 'serviceaccount');
        mkdirSync(accountDir);
        tokenPath = join(accountDir, 'token');
        writeFileSync(tokenPath, `${server.token}\n`);
        writeFileSync(join(accountDir, 'ca.crt'), pki(server).caPem);
        return {
          inCluster: { serviceAccountDir: accountDir, host: '127.0.0.1', port: new URL(server.url).port },
          tokenFileRefreshMs: 300,
        };
      },
    });
    const { server, source, store, logs } = harness;
    expect(source.connection.description).toBe('in-cluster');
    await source.onSynced;
    expect(store.service('default', 'web')?.clusterIPs).toEqual(['10.96.0.10']);
    await eventually(() => server.watchCount() === 2, 'both watches open');

    // kubelet's rotation: the API server accepts the new token; open watches end as they time out.
    const rotated = server.rotateToken();
    server.faults.closeStreams();
    await eventually(() => failures(logs, ': 401').length > 0, 'a watch refused with the old token');
    await writeFile(tokenPath, `${rotated}\n`);
    server.upsert('service', serviceObject('default', 'after-rotation', { clusterIP: '10.96.0.11' }));
    await eventually(() => store.service('default', 'after-rotation') !== undefined, 'the change made after the rotation', 5000);
    await eventually(() => logs.some((line) => line.msg === 'kubernetes API recovered'), 'every watch back');
  });
});

describe('kubeconfig credentials against the HTTPS fake', () => {
  it('authenticates with a client certificate from files relative to the kubeconfig', async () => {
    harness = await startHarness({
      seed,
      connect: viaKubeconfig(
        (server) => [`certificate-authority-data: ${base64(pki(server).caPem)}`],
        (server, dir) => {
          mkdirSync(join(dir, 'pki'));
          copyFileSync(pki(server).certPath, join(dir, 'pki', 'client.crt'));
          copyFileSync(pki(server).keyPath, join(dir, 'pki', 'client.key'));
          return ['client-certificate: pki/client.crt', 'client-key: pki/client.key'];
        },
      ),
    });
    await harness.source.onSynced;
    expect(harness.store.service('default', 'web')).toBeDefined();
  });

  it('trusts a CA file and presents inline client certificate data, verifying the name tls-server-name gives', async () => {
    harness = await startHarness({
      seed,
      connect: viaKubeconfig(
        (server) => [`certificate-authority: ${server.caPath ?? ''}`, 'tls-server-name: localhost'],
        (server) => [
          `client-certificate-data: ${base64(readFileSync(pki(server).certPath, 'utf8'))}`,
          `client-key-data: ${base64(readFileSync(pki(server).keyPath, 'utf8'))}`,
        ],
      ),
    });
    await harness.source.onSynced;
    expect(harness.store.service('default', 'web')).toBeDefined();
  });

  it('refuses a server whose certificate does not carry the tls-server-name', async () => {
    harness = await startHarness({
      seed,
      connect: viaKubeconfig(
        (server) => [`certificate-authority-data: ${base64(pki(server).caPem)}`, 'tls-server-name: api.elsewhere.example'],
        (server) => [`token: ${server.token}`],
      ),
    });
    const { logs, source } = harness;
    await eventually(() => failures(logs, 'api.elsewhere.example').length > 0, 'a certificate name mismatch');
    expect(source.synced).toBe(false);
  });

  it('connects without verifying the server under insecure-skip-tls-verify', async () => {
    harness = await startHarness({
      seed,
      connect: viaKubeconfig(() => ['insecure-skip-tls-verify: true'], (server) => [`token: ${server.token}`]),
    });
    await harness.source.onSynced;
    expect(harness.store.service('default', 'web')).toBeDefined();
  });
});

/** Writes an executable credential plugin into `dir` that prints this ExecCredential status, or fails. */
function credentialPlugin(dir: string, outcome: { token: string } | { error: string }): void {
  const path = join(dir, 'credential.sh');
  const body =
    'token' in outcome
      ? `cat <<'JSON'\n${JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: outcome.token } })}\nJSON\n`
      : `echo '${outcome.error}' >&2\nexit 1\n`;
  writeFileSync(path, `#!/bin/sh\n${body}`);
  chmodSync(path, 0o755);
}

const execUser = ['exec:', '  apiVersion: client.authentication.k8s.io/v1', '  command: ./credential.sh', '  interactiveMode: Never'];

describe('exec credential plugin (through client-node, loaded on demand)', () => {
  it('runs the plugin, relative to the kubeconfig, and authenticates with its token', async () => {
    harness = await startHarness({
      seed,
      connect: viaKubeconfig(
        (server) => [`certificate-authority-data: ${base64(pki(server).caPem)}`],
        (server, dir) => {
          credentialPlugin(dir, { token: server.token });
          return execUser;
        },
      ),
    });
    await harness.source.onSynced;
    expect(harness.store.service('default', 'web')).toBeDefined();
  });

  it('reports a failing plugin as a KubeConfigError naming the kubeconfig and user', async () => {
    harness = await startHarness({
      seed,
      connect: viaKubeconfig(
        (server) => [`certificate-authority-data: ${base64(pki(server).caPem)}`],
        (_server, dir) => {
          credentialPlugin(dir, { error: 'no credentials today' });
          return execUser;
        },
      ),
    });
    const { logs, source } = harness;
    await eventually(() => failures(logs, 'user "dns" exec plugin failed: no credentials today').length > 0, 'the plugin failure');
    expect(source.synced).toBe(false);
  });
});

const run = promisify(execFile);

/**
 * Runs in a fresh Node process: records every module resolved (static imports, import(),
 * require) through a module hook, builds a KubeApiSource for each connection and asks it for
 * request options, then prints how many resolved modules had PACKAGE_PATH in their URL, before
 * and after the last connection (the control, which does need that package).
 */
const PROBE = `
import { registerHooks } from 'node:module';
const resolved = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    resolved.push(result.url);
    return result;
  },
});
const { KubeApiSource } = await import(process.env.KUBE_INDEX);
const ofPackage = () => resolved.filter((url) => url.includes(process.env.PACKAGE_PATH)).length;
const connections = JSON.parse(process.env.CONNECTIONS);
const counts = [];
for (const connection of connections) {
  const source = new KubeApiSource({ connection, watchPods: false, watchNamespaces: false, logger: {} });
  const options = await source.connection.requestOptions();
  if (!options.headers.Authorization && !options.cert) throw new Error('no credentials for ' + source.connection.description);
  source.connection.close();
  counts.push(ofPackage());
}
console.log(JSON.stringify({ native: counts.at(-2), withPlugin: counts.at(-1) }));
`;

/** How many modules of the package at `packagePath` the probe saw loaded: for all connections but the last, and for all. */
async function packageLoads(packagePath: string, connections: readonly KubeConnectionOptions[]): Promise<{ native: number; withPlugin: number }> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PROBE], {
    env: {
      ...process.env,
      KUBE_INDEX: new URL('../../src/cluster/kube/index.ts', import.meta.url).href,
      CONNECTIONS: JSON.stringify(connections),
      PACKAGE_PATH: packagePath,
    },
  });
  return JSON.parse(stdout) as { native: number; withPlugin: number };
}

describe('memory: client-node stays unloaded', () => {
  it('is never loaded for in-cluster, kubeconfig tokens and certificates, or endpoint+tls; only for an exec plugin', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'client-node-probe-'));
    try {
      const accountDir = join(dir, 'serviceaccount');
      mkdirSync(accountDir);
      writeFileSync(join(accountDir, 'token'), 'sa-token');
      writeFileSync(join(accountDir, 'ca.crt'), 'ca');
      writeFileSync(join(dir, 'token'), 'file-token');
      writeFileSync(join(dir, 'tls.pem'), 'pem');
      credentialPlugin(dir, { token: 'plugin-token' });
      const kubeconfig = (name: string, user: string[]): string => {
        const path = join(dir, name);
        writeFileSync(
          path,
          `clusters: [{name: k, cluster: {server: "https://10.0.0.1", certificate-authority-data: ${base64('ca')}}}]
users:
  - name: u
    user:
${user.map((line) => `      ${line}
`).join('')}contexts: [{name: c, context: {cluster: k, user: u}}]
current-context: c
`,
        );
        return path;
      };
      const connections: KubeConnectionOptions[] = [
        { inCluster: { serviceAccountDir: accountDir, host: '10.96.0.1', port: '443' } },
        { kubeconfig: { path: kubeconfig('token.yaml', ['token: t']) } },
        { kubeconfig: { path: kubeconfig('token-file.yaml', ['tokenFile: token']) } },
        { kubeconfig: { path: kubeconfig('cert.yaml', ['client-certificate: tls.pem', 'client-key: tls.pem']) } },
        { kubeconfig: { path: kubeconfig('basic.yaml', ['username: u', 'password: p']) } },
        { endpoint: 'https://10.0.0.1:6443', tls: { cert: join(dir, 'tls.pem'), key: join(dir, 'tls.pem'), ca: join(dir, 'tls.pem') } },
        { kubeconfig: { path: kubeconfig('exec.yaml', execUser) } },
      ];
      const loaded = await packageLoads('/@kubernetes/client-node/', connections);
      expect(loaded.native).toBe(0);
      // The control: the hook does see client-node when something imports it.
      expect(loaded.withPlugin).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('memory: the yaml package stays unloaded', () => {
  it('is not loaded for kubeconfigs as kubectl writes them; only for YAML beyond that, such as a block scalar', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yaml-probe-'));
    try {
      writeFileSync(join(dir, 'tls.pem'), 'pem');
      // As client-go (go-yaml) writes it: sequences level with their key, `preferences: {}`.
      const kubeconfig = (name: string, user: string[]): string => {
        const path = join(dir, name);
        writeFileSync(
          path,
          `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${base64('ca')}
    server: https://10.0.0.1:6443
  name: k
contexts:
- context:
    cluster: k
    user: u
  name: c
current-context: c
kind: Config
preferences: {}
users:
- name: u
  user:
${user.map((line) => `    ${line}\n`).join('')}`,
        );
        return path;
      };
      const connections: KubeConnectionOptions[] = [
        { kubeconfig: { path: kubeconfig('token.yaml', ['token: t']) } },
        { kubeconfig: { path: kubeconfig('cert.yaml', ['client-certificate: tls.pem', 'client-key: tls.pem']) } },
        { kubeconfig: { path: kubeconfig('block-scalar.yaml', ['token: |-', '  t']) } },
      ];
      const loaded = await packageLoads('/node_modules/yaml/', connections);
      expect(loaded.native).toBe(0);
      // The control: the block scalar needs the full parser, and the hook sees it loaded.
      expect(loaded.withPlugin).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
