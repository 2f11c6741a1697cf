import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface KubeconfigOptions {
  /** File name inside the directory (default `kubeconfig`). */
  readonly fileName?: string;
  /**
   * The context marked current. The file always holds two: `fake` (the server's token) and
   * `stranger` (a token the server rejects), so tests can check context selection.
   */
  readonly currentContext?: 'fake' | 'stranger';
}

interface ServerIdentity {
  readonly url: string;
  readonly token: string;
  readonly caPem: string | undefined;
}

/** Writes a kubeconfig (JSON, which is YAML) pointing at a fake server. */
export async function writeKubeconfig(dir: string, server: ServerIdentity, options: KubeconfigOptions): Promise<string> {
  const cluster: Record<string, unknown> = { server: server.url };
  if (server.caPem) cluster['certificate-authority-data'] = Buffer.from(server.caPem).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake-cluster', cluster }],
    users: [
      { name: 'coredns', user: { token: server.token } },
      { name: 'stranger', user: { token: 'not-the-token' } },
    ],
    contexts: [
      { name: 'fake', context: { cluster: 'fake-cluster', user: 'coredns' } },
      { name: 'stranger', context: { cluster: 'fake-cluster', user: 'stranger' } },
    ],
    'current-context': options.currentContext ?? 'fake',
  };
  const path = join(dir, options.fileName ?? 'kubeconfig');
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}
