import { accessSync, constants, readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, User } from '@kubernetes/client-node';
import { KubeConfigError } from './errors.ts';
import type { KubeConnectionOptions } from './options.ts';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A resolved API server and a way to get fresh credentials for each request. */
export interface KubeConnection {
  readonly server: URL;
  /** What was configured, for logs: `in-cluster`, `kubeconfig PATH (context C)`, `endpoint URL`. */
  readonly description: string;
  /** TLS material, auth headers and agent for one request; re-read each time so rotated tokens apply. */
  requestOptions(): Promise<RequestOptions>;
  /** Closes idle kept-alive connections. */
  close(): void;
}

function requireReadable(path: string, what: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new KubeConfigError(`${what} ${path} is not readable: ${(error as Error).message}`, { path, cause: error });
  }
}

function parseServerUrl(text: string, origin: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new KubeConfigError(`${origin}: invalid API server URL "${text}"`, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KubeConfigError(`${origin}: API server URL "${text}" must be http or https`);
  }
  return url;
}

function inClusterConfig(options: KubeConnectionOptions['inCluster'] = {}): KubeConfig {
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = options.host ?? process.env['KUBERNETES_SERVICE_HOST'];
  const port = options.port ?? process.env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) {
    throw new KubeConfigError(
      'not running in a cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset): ' +
        'configure kubeconfig or endpoint',
    );
  }
  const tokenPath = join(dir, 'token');
  const caPath = join(dir, 'ca.crt');
  requireReadable(tokenPath, 'service account token');
  requireReadable(caPath, 'service account CA certificate');
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'in-cluster', server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`, caFile: caPath, skipTLSVerify: false },
    // The tokenFile provider re-reads the token every minute: projected tokens rotate.
    { name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile: tokenPath } } },
  );
  return kc;
}

function kubeconfigFile(path: string, context: string | undefined): KubeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KubeConfigError(`kubeconfig ${path} is not readable: ${(error as Error).message}`, { path, cause: error });
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
    kc.makePathsAbsolute(dirname(path));
  } catch (error) {
    throw new KubeConfigError(`kubeconfig ${path} is invalid: ${(error as Error).message}`, { path, cause: error });
  }
  const contextName = context ?? kc.getCurrentContext();
  if (!contextName) throw new KubeConfigError(`kubeconfig ${path} has no current-context and none was given`, { path });
  const found = kc.getContextObject(contextName);
  if (!found) {
    const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
    throw new KubeConfigError(`kubeconfig ${path} has no context "${contextName}" (known: ${known})`, { path });
  }
  kc.setCurrentContext(contextName);
  if (!kc.getCurrentCluster()) {
    throw new KubeConfigError(`kubeconfig ${path}: context "${contextName}" names cluster "${found.cluster}", which is not defined`, { path });
  }
  return kc;
}

function endpointConfig(endpoint: string, tls: KubeConnectionOptions['tls']): KubeConfig {
  parseServerUrl(endpoint, 'endpoint');
  if (tls) {
    requireReadable(tls.cert, 'tls client certificate');
    requireReadable(tls.key, 'tls client key');
    requireReadable(tls.ca, 'tls CA certificate');
  }
  const server = endpoint.replace(/\/$/, '');
  const cluster: Cluster = { name: 'endpoint', server, skipTLSVerify: false, ...(tls ? { caFile: tls.ca } : {}) };
  const user: User = { name: 'endpoint', ...(tls ? { certFile: tls.cert, keyFile: tls.key } : {}) };
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(cluster, user);
  return kc;
}

/**
 * Resolves where the API is, as CoreDNS does: `kubeconfig` first, then `endpoint` (with `tls`),
 * else in-cluster. Throws KubeConfigError naming whatever is missing.
 */
export function resolveConnection(options: KubeConnectionOptions): KubeConnection {
  let kc: KubeConfig;
  let description: string;
  if (options.kubeconfig) {
    const { path, context } = options.kubeconfig;
    kc = kubeconfigFile(path, context);
    description = `kubeconfig ${path} (context ${kc.getCurrentContext()})`;
  } else if (options.endpoint) {
    kc = endpointConfig(options.endpoint, options.tls);
    description = `endpoint ${options.endpoint}`;
  } else {
    kc = inClusterConfig(options.inCluster);
    description = 'in-cluster';
  }
  const cluster = kc.getCurrentCluster() as Cluster;
  const server = parseServerUrl(cluster.server, description);
  if (server.protocol === 'http:' && !cluster.skipTLSVerify) {
    // client-node refuses plain HTTP unless TLS verification is "skipped"; over HTTP there is none to skip.
    const index = kc.clusters.indexOf(cluster);
    kc.clusters[index] = { ...cluster, skipTLSVerify: true };
  }
  const agents = new KeepAliveAgents(server.protocol === 'https:');
  return {
    server,
    description,
    async requestOptions() {
      const options: RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      // A proxy needs client-node's proxy agent; otherwise reuse connections across list pages.
      if (!cluster.proxyUrl) options.agent = agents.agentFor(options);
      return options;
    },
    close: () => agents.close(),
  };
}

/**
 * One keep-alive agent for as long as the TLS material stays the same: list pages reuse a
 * connection instead of paying a handshake each. New material (a rotated CA or client
 * certificate) gets a new agent; the old one is closed.
 */
class KeepAliveAgents {
  readonly #https: boolean;
  #material = '';
  #agent: HttpAgent | undefined;

  constructor(https: boolean) {
    this.#https = https;
  }

  agentFor(options: RequestOptions): HttpAgent {
    const { ca, cert, key, rejectUnauthorized, servername } = options;
    const material = [ca, cert, key, rejectUnauthorized, servername].map((part) => String(part ?? '')).join('\0');
    if (this.#agent && material === this.#material) return this.#agent;
    this.#agent?.destroy();
    this.#material = material;
    this.#agent = this.#https
      ? new HttpsAgent({ keepAlive: true, ca, cert, key, servername, ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }) })
      : new HttpAgent({ keepAlive: true });
    return this.#agent;
  }

  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
    this.#material = '';
  }
}
