import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve, sep } from 'node:path';
import { KubeConfigError } from './errors.ts';
import { parseSimpleYaml, UnsupportedYamlError } from './simple-yaml.ts';

/** PEM material as a kubeconfig gives it: a file (read again when it changes) or inline data. */
export type PemSource = { readonly file: string } | { readonly data: Buffer };

export interface KubeconfigCluster {
  readonly name: string;
  readonly server: string;
  readonly certificateAuthority?: PemSource;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
}

export interface KubeconfigUser {
  /** '' when the context names no user: requests go unauthenticated. */
  readonly name: string;
  readonly token?: string;
  /** Absolute. Read again as it rotates; wins over `token`, as in client-go. */
  readonly tokenFile?: string;
  readonly clientCertificate?: { readonly cert: PemSource; readonly key: PemSource };
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** `as` and `as-groups`: the identity the API server is asked to act as. */
  readonly impersonate?: { readonly user?: string; readonly groups: readonly string[] };
  /** `exec` as written, but with a relative command made absolute; handled by client-node. */
  readonly exec?: Readonly<Record<string, unknown>>;
  /** `auth-provider` as written; handled by client-node. */
  readonly authProvider?: Readonly<Record<string, unknown>>;
}

/** The cluster and user of one context of a kubeconfig file, checked and with paths made absolute. */
export interface KubeconfigSelection {
  readonly context: string;
  readonly cluster: KubeconfigCluster;
  readonly user: KubeconfigUser;
}

type Mapping = Readonly<Record<string, unknown>>;

/**
 * The document in a kubeconfig's text. Loading the `yaml` package (72 modules) to read this one
 * small file once at start-up kept ~9.5 MB of RSS for the life of the process: a Node process
 * with a bound UDP socket that resolves a kind kubeconfig measured 70.2 MB with it, 60.7 MB
 * without (a bare UDP server: 47.6 MB). So JSON goes to JSON.parse, YAML as kubeconfig writers
 * produce it to parseSimpleYaml, and only what that does not support (block scalars, flow
 * collections, anchors...) loads `yaml`: synchronously, as resolveConnection is, through
 * require(), which its CommonJS `node` export allows.
 */
function parseKubeconfig(text: string): unknown {
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // YAML's flow style, which is not JSON: the full parser reads it or says what is wrong.
    }
  } else {
    try {
      return parseSimpleYaml(text);
    } catch (error) {
      if (!(error instanceof UnsupportedYamlError)) throw error;
    }
  }
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads fields of one kubeconfig file, failing with errors that name the file and the field. */
class KubeconfigReader {
  readonly #path: string;
  readonly #dir: string;

  constructor(path: string) {
    this.#path = path;
    this.#dir = dirname(resolve(path));
  }

  /** The file is malformed: not YAML, or a field of the wrong type. */
  invalid(problem: string, cause?: unknown): KubeConfigError {
    return new KubeConfigError(`kubeconfig ${this.#path} is invalid: ${problem}`, { path: this.#path, cause });
  }

  /** The file is well formed but cannot be used as it says. */
  unusable(problem: string): KubeConfigError {
    return new KubeConfigError(`kubeconfig ${this.#path}: ${problem}`, { path: this.#path });
  }

  /** Named entries of a top-level list (`clusters`, `users`, `contexts`), by name; of a repeated name the last wins, as in client-go. */
  entries(document: Mapping, list: string, body: string): Map<string, Mapping> {
    const value = document[list] ?? [];
    if (!Array.isArray(value)) throw this.invalid(`${list} is not a list`);
    const found = new Map<string, Mapping>();
    value.forEach((entry: unknown, index) => {
      const where = `${list}[${index}]`;
      if (!isMapping(entry)) throw this.invalid(`${where} is not a mapping`);
      const name = entry['name'];
      if (typeof name !== 'string' || name === '') throw this.invalid(`${where} has no name`);
      const content = entry[body] ?? {};
      if (!isMapping(content)) throw this.invalid(`${where} ("${name}").${body} is not a mapping`);
      found.set(name, content);
    });
    return found;
  }

  string(body: Mapping, key: string, where: string): string | undefined {
    const value = body[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw this.invalid(`${where}: ${key} is not a string`);
    return value;
  }

  boolean(body: Mapping, key: string, where: string): boolean {
    const value = body[key] ?? false;
    if (typeof value !== 'boolean') throw this.invalid(`${where}: ${key} must be true or false`);
    return value;
  }

  strings(body: Mapping, key: string, where: string): string[] {
    const value = body[key] ?? [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw this.invalid(`${where}: ${key} is not a list of strings`);
    }
    return value;
  }

  mapping(body: Mapping, key: string, where: string): Mapping | undefined {
    const value = body[key];
    if (value === undefined || value === null) return undefined;
    if (!isMapping(value)) throw this.invalid(`${where}: ${key} is not a mapping`);
    return value;
  }

  /** Relative paths in a kubeconfig are relative to its directory, as kubectl resolves them. */
  file(body: Mapping, key: string, where: string): string | undefined {
    const value = this.string(body, key, where);
    return value === undefined ? undefined : resolve(this.#dir, value);
  }

  /** `KEY-data` (base64) wins over the file `KEY`, as in client-go. */
  pem(body: Mapping, key: string, where: string): PemSource | undefined {
    const data = this.string(body, `${key}-data`, where);
    if (data !== undefined) {
      if (!/^[A-Za-z0-9+/=\s]+$/.test(data)) throw this.invalid(`${where}: ${key}-data is not base64`);
      return { data: Buffer.from(data, 'base64') };
    }
    const file = this.file(body, key, where);
    return file === undefined ? undefined : { file };
  }

  /** A command with a directory part is relative to the kubeconfig; a bare name is looked up in PATH. */
  command(command: string): string {
    return command.includes(sep) ? resolve(this.#dir, command) : command;
  }
}

function readCluster(reader: KubeconfigReader, name: string, body: Mapping): KubeconfigCluster {
  const where = `cluster "${name}"`;
  const server = reader.string(body, 'server', where);
  if (server === undefined) throw reader.unusable(`${where} has no server`);
  if (reader.string(body, 'proxy-url', where) !== undefined) {
    throw reader.unusable(`${where} sets proxy-url, which clusterdns does not support: it connects to the API server directly`);
  }
  const certificateAuthority = reader.pem(body, 'certificate-authority', where);
  const insecureSkipTlsVerify = reader.boolean(body, 'insecure-skip-tls-verify', where);
  if (insecureSkipTlsVerify && certificateAuthority) {
    // As client-go: trusting a CA and skipping verification contradict each other.
    throw reader.unusable(`${where} sets both insecure-skip-tls-verify and a certificate authority`);
  }
  const tlsServerName = reader.string(body, 'tls-server-name', where);
  return {
    name,
    server,
    insecureSkipTlsVerify,
    ...(certificateAuthority && { certificateAuthority }),
    ...(tlsServerName !== undefined && { tlsServerName }),
  };
}

function readUser(reader: KubeconfigReader, name: string, body: Mapping): KubeconfigUser {
  const where = `user "${name}"`;
  const token = reader.string(body, 'token', where);
  const tokenFile = reader.file(body, 'tokenFile', where);
  const username = reader.string(body, 'username', where);
  const password = reader.string(body, 'password', where);
  if (password !== undefined && username === undefined) throw reader.unusable(`${where} has a password but no username`);
  if (username !== undefined && (token !== undefined || tokenFile !== undefined)) {
    throw reader.unusable(`${where} sets both a bearer token and username/password; keep one`);
  }
  const cert = reader.pem(body, 'client-certificate', where);
  const key = reader.pem(body, 'client-key', where);
  if (cert && !key) throw reader.unusable(`${where} has a client certificate but no client key`);
  if (key && !cert) throw reader.unusable(`${where} has a client key but no client certificate`);
  const impersonateUser = reader.string(body, 'as', where);
  const impersonateGroups = reader.strings(body, 'as-groups', where);
  const exec = reader.mapping(body, 'exec', where);
  const authProvider = reader.mapping(body, 'auth-provider', where);
  if (exec && authProvider) throw reader.unusable(`${where} sets both exec and auth-provider; keep one`);
  let resolvedExec: Mapping | undefined;
  if (exec) {
    const command = reader.string(exec, 'command', `${where} exec`);
    if (command === undefined) throw reader.unusable(`${where} has an exec plugin without a command`);
    resolvedExec = { ...exec, command: reader.command(command) };
  }
  return {
    name,
    ...(token !== undefined && { token }),
    ...(tokenFile !== undefined && { tokenFile }),
    ...(cert && key && { clientCertificate: { cert, key } }),
    ...(username !== undefined && { basicAuth: { username, password: password ?? '' } }),
    ...((impersonateUser !== undefined || impersonateGroups.length > 0) && {
      impersonate: { ...(impersonateUser !== undefined && { user: impersonateUser }), groups: impersonateGroups },
    }),
    ...(resolvedExec && { exec: resolvedExec }),
    ...(authProvider && { authProvider }),
  };
}

/**
 * Reads a kubeconfig file (YAML or JSON) and picks a context: the one given, else
 * `current-context`. Only the chosen context's cluster and user are checked in depth, as kubectl
 * does, so an unusable entry elsewhere in the file does no harm. Throws KubeConfigError.
 */
export function loadKubeconfig(path: string, contextName?: string): KubeconfigSelection {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KubeConfigError(`kubeconfig ${path} is not readable: ${(error as Error).message}`, { path, cause: error });
  }
  const reader = new KubeconfigReader(path);
  let document: unknown;
  try {
    document = parseKubeconfig(text);
  } catch (error) {
    throw reader.invalid((error as Error).message, error);
  }
  // An empty file is an empty config, as for kubectl: it then has no context to use.
  document ??= {};
  if (!isMapping(document)) throw reader.invalid('the top level is not a mapping');
  const clusters = reader.entries(document, 'clusters', 'cluster');
  const users = reader.entries(document, 'users', 'user');
  const contexts = reader.entries(document, 'contexts', 'context');
  const name = contextName ?? reader.string(document, 'current-context', 'the file');
  if (name === undefined) throw new KubeConfigError(`kubeconfig ${path} has no current-context and none was given`, { path });
  const context = contexts.get(name);
  if (!context) {
    const known = [...contexts.keys()].join(', ') || 'none';
    throw new KubeConfigError(`kubeconfig ${path} has no context "${name}" (known: ${known})`, { path });
  }
  const clusterName = reader.string(context, 'cluster', `context "${name}"`);
  if (clusterName === undefined) throw reader.unusable(`context "${name}" names no cluster`);
  const cluster = clusters.get(clusterName);
  if (!cluster) throw reader.unusable(`context "${name}" names cluster "${clusterName}", which is not defined`);
  const userName = reader.string(context, 'user', `context "${name}"`);
  const user = userName === undefined ? undefined : users.get(userName);
  if (userName !== undefined && !user) throw reader.unusable(`context "${name}" names user "${userName}", which is not defined`);
  return {
    context: name,
    cluster: readCluster(reader, clusterName, cluster),
    user: userName !== undefined && user ? readUser(reader, userName, user) : { name: '' },
  };
}
