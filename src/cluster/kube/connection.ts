import type { RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { fixed, nativeCredentials, TokenFile, WatchedFile, type Credentials, type Refreshing } from './credentials.ts';
import { KubeConfigError } from './errors.ts';
import { KeepAliveAgents } from './keep-alive-agents.ts';
import { loadKubeconfig, type PemSource } from './kubeconfig.ts';
import type { KubeConnectionOptions } from './options.ts';
import { PluginCredentials } from './plugin-credentials.ts';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
// As client-go: a token file is read again at most once a minute.
const DEFAULT_TOKEN_FILE_REFRESH_MS = 60_000;

/** A resolved API server and a way to get fresh credentials for each request. */
export interface KubeConnection {
  readonly server: URL;
  /** What was configured, for logs: `in-cluster`, `kubeconfig PATH (context C)`, `endpoint URL`. */
  readonly description: string;
  /** TLS material, auth headers and agent for one request; rotated tokens and renewed files apply. */
  requestOptions(): Promise<RequestOptions>;
  /** Closes idle kept-alive connections. */
  close(): void;
}

/** How to reach and trust the API server, and who to be there. */
interface ConnectionPlan {
  readonly server: URL;
  readonly description: string;
  readonly ca?: Refreshing<Buffer>;
  readonly insecureSkipTlsVerify?: boolean;
  readonly tlsServerName?: string;
  readonly credentials: Refreshing<Credentials>;
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

function pem(source: PemSource, what: string): Refreshing<Buffer> {
  return 'file' in source ? new WatchedFile(source.file, what) : fixed(source.data);
}

function inClusterPlan(options: KubeConnectionOptions['inCluster'] = {}, tokenRefreshMs: number): ConnectionPlan {
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = options.host ?? process.env['KUBERNETES_SERVICE_HOST'];
  const port = options.port ?? process.env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) {
    throw new KubeConfigError(
      'not running in a cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset): ' +
        'configure kubeconfig or endpoint',
    );
  }
  const token = new TokenFile(join(dir, 'token'), 'service account token', tokenRefreshMs);
  const ca = new WatchedFile(join(dir, 'ca.crt'), 'service account CA certificate');
  return {
    server: parseServerUrl(`https://${isIPv6(host) ? `[${host}]` : host}:${port}`, 'in-cluster'),
    description: 'in-cluster',
    ca,
    credentials: nativeCredentials({ bearerToken: token }),
  };
}

function kubeconfigPlan(path: string, context: string | undefined, tokenRefreshMs: number): ConnectionPlan {
  const { cluster, user, context: contextName } = loadKubeconfig(path, context);
  const description = `kubeconfig ${path} (context ${contextName})`;
  const clusterWhat = `kubeconfig ${path}: cluster "${cluster.name}"`;
  const userWhat = `kubeconfig ${path}: user "${user.name}"`;
  const native = nativeCredentials({
    ...(user.tokenFile !== undefined
      ? { bearerToken: new TokenFile(user.tokenFile, `${userWhat} tokenFile`, tokenRefreshMs) }
      : user.token !== undefined && { bearerToken: fixed(user.token) }),
    ...(user.basicAuth && { basicAuth: user.basicAuth }),
    ...(user.clientCertificate && {
      clientCertificate: {
        cert: pem(user.clientCertificate.cert, `${userWhat} client-certificate`),
        key: pem(user.clientCertificate.key, `${userWhat} client-key`),
      },
    }),
    ...(user.impersonate && { impersonate: user.impersonate }),
  });
  return {
    server: parseServerUrl(cluster.server, description),
    description,
    ...(cluster.certificateAuthority && { ca: pem(cluster.certificateAuthority, `${clusterWhat} certificate-authority`) }),
    insecureSkipTlsVerify: cluster.insecureSkipTlsVerify,
    ...(cluster.tlsServerName !== undefined && { tlsServerName: cluster.tlsServerName }),
    credentials: user.exec || user.authProvider ? new PluginCredentials(user, path, native) : native,
  };
}

function endpointPlan(endpoint: string, tls: KubeConnectionOptions['tls']): ConnectionPlan {
  const server = parseServerUrl(endpoint, 'endpoint');
  const description = `endpoint ${endpoint}`;
  if (!tls) return { server, description, credentials: nativeCredentials({}) };
  const cert = new WatchedFile(tls.cert, 'tls client certificate');
  const key = new WatchedFile(tls.key, 'tls client key');
  const ca = new WatchedFile(tls.ca, 'tls CA certificate');
  return { server, description, ca, credentials: nativeCredentials({ clientCertificate: { cert, key } }) };
}

/**
 * Resolves where the API is, as CoreDNS does: `kubeconfig` first, then `endpoint` (with `tls`),
 * else in-cluster. Every file named is read here, so a missing one throws a KubeConfigError
 * naming it; later requests read files again as they change (tokens: at most once a period).
 */
export function resolveConnection(options: KubeConnectionOptions): KubeConnection {
  const tokenRefreshMs = options.tokenFileRefreshMs ?? DEFAULT_TOKEN_FILE_REFRESH_MS;
  let plan: ConnectionPlan;
  if (options.kubeconfig) plan = kubeconfigPlan(options.kubeconfig.path, options.kubeconfig.context, tokenRefreshMs);
  else if (options.endpoint) plan = endpointPlan(options.endpoint, options.tls);
  else plan = inClusterPlan(options.inCluster, tokenRefreshMs);
  const https = plan.server.protocol === 'https:';
  const agents = new KeepAliveAgents(https);
  return {
    server: plan.server,
    description: plan.description,
    async requestOptions() {
      const [credentials, ca] = await Promise.all([plan.credentials.current(), plan.ca?.current()]);
      const options: RequestOptions = { headers: { ...credentials.headers } };
      if (https) {
        if (ca) options.ca = ca;
        if (plan.insecureSkipTlsVerify) options.rejectUnauthorized = false;
        if (plan.tlsServerName !== undefined) options.servername = plan.tlsServerName;
        if (credentials.clientCertificate) {
          options.cert = credentials.clientCertificate.cert;
          options.key = credentials.clientCertificate.key;
        }
      }
      options.agent = agents.agentFor(options);
      return options;
    },
    close: () => agents.close(),
  };
}
