import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ObjectKind } from '../../src/cluster/types.ts';
import { sharedTestPki, type TestPki } from '../../src/test-support/pki.ts';
import { writeKubeconfig, type KubeconfigOptions } from './kubeconfig.ts';
import { contentType, listBody, negotiate, watchEvent, type EncodedObject, type Format } from './encoding.ts';
import { KINDS, ObjectStore, STATUS_KIND, type KubeObject, type StoredEvent, type StoredObject } from './objects.ts';
import { routeOf, type Route } from './routes.ts';
import { FieldSelectorError, parseFieldSelector, parseLabelSelector, SelectorSyntaxError } from './selectors.ts';
import { apiStatus, sendBody, sendStatus } from './status.ts';

export interface FakeApiServerOptions {
  /** Serve HTTPS with a freshly generated CA (default); false serves plain HTTP. */
  readonly tls?: boolean;
  readonly token?: string;
  /** How many events watches can resume from; older resourceVersions get 410. */
  readonly historyLimit?: number;
  /** How long a continue token stays valid. */
  readonly continueTtlMs?: number;
  /** Sends BOOKMARK events this often to watches that asked for them; 0 sends only on request. */
  readonly bookmarkIntervalMs?: number;
  /**
   * Answers in protobuf to requests that prefer it (default), as the API server does for built-in
   * kinds; false answers JSON only, as for a CRD or behind a proxy that only passes JSON. Objects
   * are encoded when stored, so with protobuf on, an object with a field the fake's protobuf
   * schema lacks is refused by `upsert`.
   */
  readonly protobuf?: boolean;
}

export interface RequestRecord {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly watch: boolean;
  readonly kind?: ObjectKind;
  /** The encoding the request's Accept header chose. */
  readonly format: Format;
}

/** Switches that make the server misbehave the way real API servers and networks do. */
export interface Faults {
  /** Answers the next `count` requests (for one kind, if given) with this HTTP status (default 500) and a Status body. */
  failNext(count: number, status?: number, kind?: ObjectKind): void;
  /** Answers the next `count` requests (for one kind, if given) with HTTP 410 Expired. */
  goneNext(count: number, kind?: ObjectKind): void;
  /** While true, requests are accepted and never answered. */
  hang: boolean;
  /** Ends every open watch cleanly, as a server-side timeout does. */
  closeStreams(): void;
  /** Resets every open connection (TCP RST). */
  resetSockets(): void;
  /** Sends an ERROR event with a 410 Status on every open watch, then ends it. */
  expireWatches(): void;
  /** Open watches stay open but hear nothing more: a half-dead connection. */
  silenceStreams(): void;
  /** Drops the event history, so resuming any older resourceVersion gets 410. */
  compactHistory(): void;
  /** Invalidates every outstanding continue token. */
  expireContinueTokens(): void;
  /** The next request that presents a continue token gets 410, as if etcd had compacted it away. */
  expireNextContinueToken(): void;
}

interface Watcher {
  readonly route: Route;
  readonly matches: (object: KubeObject) => boolean;
  readonly bookmarks: boolean;
  readonly format: Format;
  readonly res: ServerResponse;
  silenced: boolean;
  readonly timers: NodeJS.Timeout[];
}

interface ListSnapshot {
  readonly items: readonly StoredObject[];
  readonly rv: number;
  readonly createdAt: number;
}

const WATCH_TRUE = new Set(['1', 't', 'true', 'True', 'TRUE']);

/**
 * A Kubernetes API server that serves Services, EndpointSlices, Pods and Namespaces with the real
 * list/watch protocol (paging, resourceVersions, bookmarks, selectors, 410 on expired history), in
 * JSON or protobuf as the client's Accept header prefers, bearer-token or client-certificate auth,
 * and fault switches.
 */
export class FakeApiServer {
  readonly requests: RequestRecord[] = [];
  readonly faults: Faults;
  readonly #tls: boolean;
  readonly #continueTtlMs: number;
  readonly #bookmarkIntervalMs: number;
  readonly #protobuf: boolean;
  readonly #store: ObjectStore;
  readonly #watchers = new Set<Watcher>();
  readonly #sockets = new Set<Socket>();
  readonly #snapshots = new Map<string, ListSnapshot>();
  readonly #failures: Array<{ readonly status: number; readonly kind?: ObjectKind }> = [];
  #token: string;
  #hang = false;
  #expireNextContinue = false;
  #pki: TestPki | undefined;
  #server: http.Server | undefined;
  #url = '';

  constructor(options: FakeApiServerOptions = {}) {
    this.#tls = options.tls ?? true;
    this.#token = options.token ?? randomBytes(16).toString('hex');
    this.#continueTtlMs = options.continueTtlMs ?? 300_000;
    this.#bookmarkIntervalMs = options.bookmarkIntervalMs ?? 0;
    this.#protobuf = options.protobuf ?? true;
    this.#store = new ObjectStore({ historyLimit: options.historyLimit ?? 1000, protobuf: this.#protobuf });
    this.faults = this.#createFaults();
  }

  get url(): string {
    return this.#url;
  }

  /** The one bearer token the server accepts. */
  get token(): string {
    return this.#token;
  }

  /**
   * Accepts only a new token from now on, as after a service account token rotation; returns it.
   * Open watches stay open: an API server authenticates a request when it starts.
   */
  rotateToken(token = randomBytes(16).toString('hex')): string {
    this.#token = token;
    return token;
  }

  get tls(): boolean {
    return this.#tls;
  }

  /** The CA that signed the serving and client certificates (HTTPS only). */
  get caPem(): string | undefined {
    return this.#pki?.caPem;
  }

  get caPath(): string | undefined {
    return this.#pki?.caPath;
  }

  /** A client certificate the server accepts instead of the token (HTTPS only). */
  get clientCert(): { certPath: string; keyPath: string } | undefined {
    return this.#pki && { certPath: this.#pki.clientCertPath, keyPath: this.#pki.clientKeyPath };
  }

  get resourceVersion(): number {
    return this.#store.resourceVersion;
  }

  async start(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.#handle(req, res);
    if (this.#tls) {
      this.#pki = await sharedTestPki();
      this.#server = https.createServer(
        {
          cert: this.#pki.serverCertPem,
          key: this.#pki.serverKeyPem,
          ca: this.#pki.caPem,
          requestCert: true,
          rejectUnauthorized: false,
        },
        handler,
      );
    } else {
      this.#server = http.createServer(handler);
    }
    const server = this.#server;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('fake apiserver has no TCP address');
    this.#url = `${this.#tls ? 'https' : 'http'}://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const watcher of this.#watchers) this.#endWatch(watcher);
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Creates or replaces an object and notifies watches; returns its new resourceVersion. The
   * server stores a copy, unless `options.adopt` (bulk seeding): then it keeps and freezes
   * `object` itself, and the caller must not change it afterwards.
   */
  upsert(kind: ObjectKind, object: KubeObject, options: { readonly adopt?: boolean } = {}): string {
    const event = this.#store.upsert(kind, object, options.adopt ?? false);
    this.#broadcast(event);
    return String(event.rv);
  }

  /** Deletes an object and notifies watches; false when it did not exist. */
  remove(kind: ObjectKind, namespace: string, name: string): boolean {
    const event = this.#store.remove(kind, namespace, name);
    if (event) this.#broadcast(event);
    return event !== undefined;
  }

  get(kind: ObjectKind, namespace: string, name: string): KubeObject | undefined {
    return this.#store.get(kind, namespace, name);
  }

  /** Open watches, optionally of one kind. */
  watchCount(kind?: ObjectKind): number {
    let count = 0;
    for (const watcher of this.#watchers) if (kind === undefined || watcher.route.kind === kind) count++;
    return count;
  }

  /** Sends a BOOKMARK at the current resourceVersion to every watch that asked for bookmarks. */
  sendBookmarks(): void {
    for (const watcher of this.#watchers) this.#sendBookmark(watcher);
  }

  /** Writes a kubeconfig for this server into `dir`; returns its path. */
  writeKubeconfig(dir: string, options: KubeconfigOptions = {}): Promise<string> {
    return writeKubeconfig(dir, { url: this.#url, token: this.token, caPem: this.caPem }, options);
  }

  #createFaults(): Faults {
    // The accessor pair needs a name for the server inside the object literal.
    const server = this;
    return {
      failNext: (count, status = 500, kind) => {
        for (let i = 0; i < count; i++) this.#failures.push({ status, ...(kind ? { kind } : {}) });
      },
      goneNext: (count, kind) => this.faults.failNext(count, 410, kind),
      get hang() {
        return server.#hang;
      },
      set hang(on: boolean) {
        server.#hang = on;
      },
      closeStreams: () => {
        for (const watcher of this.#watchers) this.#endWatch(watcher);
      },
      resetSockets: () => {
        for (const socket of this.#sockets) socket.resetAndDestroy();
      },
      expireWatches: () => {
        for (const watcher of this.#watchers) {
          this.#sendError(watcher, 410, 'too old resource version');
          this.#endWatch(watcher);
        }
      },
      silenceStreams: () => {
        for (const watcher of this.#watchers) watcher.silenced = true;
      },
      compactHistory: () => this.#store.compact(),
      expireContinueTokens: () => this.#snapshots.clear(),
      expireNextContinueToken: () => {
        this.#expireNextContinue = true;
      },
    };
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = routeOf(url.pathname);
    const watch = WATCH_TRUE.has(url.searchParams.get('watch') ?? '');
    const format = negotiate(req.headers.accept, this.#protobuf && !(route !== null && KINDS[route.kind].jsonOnly === true));
    this.requests.push({ path: url.pathname, query: url.searchParams, watch, format, ...(route ? { kind: route.kind } : {}) });
    // A hung request is answered by nobody; closing its socket (stop, resetSockets) is its only end.
    if (this.#hang) return;
    const failure = this.#failures.findIndex((f) => f.kind === undefined || f.kind === route?.kind);
    if (failure >= 0) {
      const [{ status }] = this.#failures.splice(failure, 1) as [{ status: number }];
      return sendStatus(res, status, `injected failure ${status}`, format);
    }
    if (!this.#authenticated(req)) return sendStatus(res, 401, 'Unauthorized', format);
    if (!route) return sendStatus(res, 404, `the server could not find the requested resource`, format);
    if (req.method !== 'GET') return sendStatus(res, 405, `method ${req.method} not allowed`, format);
    let matches: (object: KubeObject) => boolean;
    try {
      const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
      const fields = parseFieldSelector(url.searchParams.get('fieldSelector'), route.kind === 'pod');
      matches = (object) =>
        (route.namespace === undefined || object.metadata.namespace === route.namespace) &&
        labels(object.metadata.labels ?? {}) &&
        fields(object);
    } catch (error) {
      if (error instanceof SelectorSyntaxError || error instanceof FieldSelectorError) {
        return sendStatus(res, 400, error.message, format);
      }
      throw error;
    }
    if (watch) this.#watch(route, matches, url.searchParams, format, res);
    else this.#list(route, matches, url.searchParams, format, res);
  }

  #authenticated(req: IncomingMessage): boolean {
    if (req.headers.authorization === `Bearer ${this.#token}`) return true;
    return this.#tls && (req.socket as TLSSocket).authorized === true;
  }

  #list(route: Route, matches: (object: KubeObject) => boolean, query: URLSearchParams, format: Format, res: ServerResponse): void {
    this.#sweepSnapshots();
    const limit = Number(query.get('limit') ?? '0');
    const continueToken = query.get('continue');
    let snapshot: ListSnapshot;
    let offset = 0;
    let snapshotId: string;
    if (continueToken) {
      const decoded = decodeContinue(continueToken);
      if (!decoded) return sendStatus(res, 400, 'continue key is not valid', format);
      if (this.#expireNextContinue) {
        this.#expireNextContinue = false;
        this.#snapshots.delete(decoded.id);
      }
      const found = this.#snapshots.get(decoded.id);
      if (!found) {
        return sendStatus(res, 410, 'The provided continue parameter is too old to display a consistent list result. ' +
          'You can start a new list without the continue parameter.', format);
      }
      snapshot = found;
      offset = decoded.start;
      snapshotId = decoded.id;
    } else {
      snapshot = {
        items: this.#store.list(route.kind).filter((stored) => matches(stored.object)),
        rv: this.#store.resourceVersion,
        createdAt: Date.now(),
      };
      snapshotId = randomBytes(8).toString('hex');
    }
    const end = limit > 0 ? Math.min(offset + limit, snapshot.items.length) : snapshot.items.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(snapshot.rv) };
    if (end < snapshot.items.length) {
      this.#snapshots.set(snapshotId, snapshot);
      metadata['continue'] = encodeContinue(snapshotId, end, snapshot.rv);
      if (!query.get('labelSelector') && !query.get('fieldSelector')) {
        metadata['remainingItemCount'] = snapshot.items.length - end;
      }
    } else {
      this.#snapshots.delete(snapshotId);
    }
    // A concatenation of the items' stored encodings: nothing is serialized per request.
    const items = snapshot.items.slice(offset, end).map((stored) => stored.encoded);
    sendBody(res, 200, format, listBody(format, KINDS[route.kind], metadata, items));
  }

  #sweepSnapshots(): void {
    const oldest = Date.now() - this.#continueTtlMs;
    for (const [id, snapshot] of this.#snapshots) if (snapshot.createdAt < oldest) this.#snapshots.delete(id);
  }

  #watch(route: Route, matches: (object: KubeObject) => boolean, query: URLSearchParams, format: Format, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': contentType(format, true), 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const watcher: Watcher = {
      route,
      matches,
      bookmarks: query.get('allowWatchBookmarks') === 'true',
      format,
      res,
      silenced: false,
      timers: [],
    };
    const rvParam = query.get('resourceVersion');
    if (rvParam === null || rvParam === '' || rvParam === '0') {
      // "Start at most recent": the current state as synthetic ADDED events, then changes.
      for (const stored of this.#store.list(route.kind)) {
        if (matches(stored.object)) this.#write(watcher, 'ADDED', stored.encoded);
      }
    } else {
      const since = Number(rvParam);
      const events = Number.isInteger(since) ? this.#store.eventsSince(route.kind, since) : null;
      if (events === null) {
        this.#sendError(watcher, 410, `too old resource version: ${rvParam} (${this.#store.compactedRv + 1})`);
        res.end();
        return;
      }
      for (const event of events) this.#deliver(watcher, event);
    }
    this.#watchers.add(watcher);
    const close = (): void => {
      this.#watchers.delete(watcher);
      for (const timer of watcher.timers) clearTimeout(timer);
    };
    res.on('close', close);
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) watcher.timers.push(setTimeout(() => this.#endWatch(watcher), timeoutSeconds * 1000));
    if (this.#bookmarkIntervalMs > 0 && watcher.bookmarks) {
      watcher.timers.push(setInterval(() => this.#sendBookmark(watcher), this.#bookmarkIntervalMs));
    }
  }

  #broadcast(event: StoredEvent): void {
    for (const watcher of this.#watchers) {
      if (watcher.route.kind === event.kind && !watcher.silenced) this.#deliver(watcher, event);
    }
  }

  /** Sends an event as a watch with selectors sees it: objects entering or leaving the selection become ADDED or DELETED. */
  #deliver(watcher: Watcher, event: StoredEvent): void {
    const now = watcher.matches(event.object);
    if (event.type !== 'MODIFIED') {
      if (now) this.#write(watcher, event.type, event.encoded);
      return;
    }
    const before = event.previous !== undefined && watcher.matches(event.previous);
    if (now) this.#write(watcher, before ? 'MODIFIED' : 'ADDED', event.encoded);
    else if (before) {
      const previous = event.previous as KubeObject;
      const object = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(event.rv) } };
      this.#write(watcher, 'DELETED', this.#store.encode(KINDS[event.kind], object));
    }
  }

  #sendBookmark(watcher: Watcher): void {
    if (!watcher.bookmarks || watcher.silenced) return;
    const object = { metadata: { resourceVersion: String(this.#store.resourceVersion) } };
    this.#write(watcher, 'BOOKMARK', this.#store.encode(KINDS[watcher.route.kind], object));
  }

  #sendError(watcher: Watcher, code: number, message: string): void {
    this.#write(watcher, 'ERROR', this.#store.encode(STATUS_KIND, { ...apiStatus(code, message) }), STATUS_KIND);
  }

  #write(watcher: Watcher, type: string, object: EncodedObject, info = KINDS[watcher.route.kind]): void {
    if (!watcher.res.writableEnded) watcher.res.write(watchEvent(watcher.format, type, info, object));
  }

  #endWatch(watcher: Watcher): void {
    this.#watchers.delete(watcher);
    for (const timer of watcher.timers) clearTimeout(timer);
    if (!watcher.res.writableEnded) watcher.res.end();
  }
}

function encodeContinue(id: string, start: number, rv: number): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start, id })).toString('base64url');
}

function decodeContinue(token: string): { id: string; start: number } | null {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { id?: unknown; start?: unknown };
    if (typeof parsed.id !== 'string' || typeof parsed.start !== 'number') return null;
    return { id: parsed.id, start: parsed.start };
  } catch {
    return null;
  }
}
