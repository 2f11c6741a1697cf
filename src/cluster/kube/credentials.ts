import { readFileSync, statSync, type BigIntStats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import { KubeConfigError } from './errors.ts';

/** A value that may change while clusterdns runs (a rotated token, a renewed certificate). */
export interface Refreshing<T> {
  current(): Promise<T>;
}

/** A value that never changes: inline kubeconfig data, a literal token. */
export function fixed<T>(value: T): Refreshing<T> {
  return { current: () => Promise.resolve(value) };
}

function unreadable(what: string, path: string, error: unknown): KubeConfigError {
  return new KubeConfigError(`${what} ${path} is not readable: ${(error as Error).message}`, { path, cause: error });
}

function versionOf(stats: BigIntStats): string {
  // kubelet updates secret and projected volumes by swapping a symlink, so the inode changes too.
  return `${stats.ino}:${stats.size}:${stats.mtimeNs}`;
}

/**
 * A file read again whenever it changes on disk (a CA or client certificate being renewed): a stat
 * per request, a read only after a change. Read once at construction, so a missing file fails
 * setup with a KubeConfigError naming it.
 */
export class WatchedFile implements Refreshing<Buffer> {
  readonly #path: string;
  #content: Buffer;
  #version: string;

  constructor(path: string, what: string) {
    this.#path = path;
    try {
      this.#version = versionOf(statSync(path, { bigint: true }));
      this.#content = readFileSync(path);
    } catch (error) {
      throw unreadable(what, path, error);
    }
  }

  async current(): Promise<Buffer> {
    try {
      const version = versionOf(await stat(this.#path, { bigint: true }));
      if (version !== this.#version) {
        this.#content = await readFile(this.#path);
        this.#version = version;
      }
    } catch {
      // Keep what was last read: a file briefly missing mid-update must not break a working
      // connection, and if the old material no longer works the request fails and says why.
    }
    return this.#content;
  }
}

/**
 * A bearer token in a file that is rewritten as it rotates (bound service account tokens expire
 * after an hour; kubelet renews them well before). As client-go does, the file is read again at
 * most once per period, and a failed or empty read keeps the last token and is retried on the
 * next request.
 */
export class TokenFile implements Refreshing<string> {
  readonly #path: string;
  readonly #refreshMs: number;
  #token: string;
  #readAt: number;
  #reading: Promise<string> | undefined;

  constructor(path: string, what: string, refreshMs: number) {
    this.#path = path;
    this.#refreshMs = refreshMs;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw unreadable(what, path, error);
    }
    this.#token = text.trim();
    if (this.#token === '') throw new KubeConfigError(`${what} ${path} is empty`, { path });
    this.#readAt = performance.now();
  }

  current(): Promise<string> {
    if (performance.now() - this.#readAt < this.#refreshMs) return Promise.resolve(this.#token);
    // Requests of every resource type arrive together after an outage: one read serves them all.
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(): Promise<string> {
    try {
      const token = (await readFile(this.#path, 'utf8')).trim();
      if (token !== '') {
        this.#token = token;
        this.#readAt = performance.now();
      }
    } catch {
      // As client-go: keep using the last token; the next request tries the file again.
    }
    return this.#token;
  }
}

/** What a request carries to authenticate: headers, and a client certificate for the TLS handshake. */
export interface Credentials {
  readonly headers: OutgoingHttpHeaders;
  readonly clientCertificate?: { readonly cert: Buffer | string; readonly key: Buffer | string };
}

export interface NativeCredentialOptions {
  readonly bearerToken?: Refreshing<string>;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly clientCertificate?: { readonly cert: Refreshing<Buffer>; readonly key: Refreshing<Buffer> };
  readonly impersonate?: { readonly user?: string; readonly groups: readonly string[] };
}

/** Credentials clusterdns handles itself: a bearer token, basic auth, a client certificate, impersonation. */
export function nativeCredentials(options: NativeCredentialOptions): Refreshing<Credentials> {
  const { bearerToken, basicAuth, clientCertificate, impersonate } = options;
  const fixedHeaders: OutgoingHttpHeaders = {};
  if (basicAuth) {
    fixedHeaders['Authorization'] = `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`;
  }
  if (impersonate?.user !== undefined) fixedHeaders['Impersonate-User'] = impersonate.user;
  if (impersonate && impersonate.groups.length > 0) fixedHeaders['Impersonate-Group'] = [...impersonate.groups];
  return {
    async current() {
      const [token, cert, key] = await Promise.all([bearerToken?.current(), clientCertificate?.cert.current(), clientCertificate?.key.current()]);
      return {
        headers: token === undefined ? { ...fixedHeaders } : { ...fixedHeaders, Authorization: `Bearer ${token}` },
        ...(cert && key && { clientCertificate: { cert, key } }),
      };
    },
  };
}
