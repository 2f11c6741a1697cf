import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../src/log.ts';

/** One myapp pod of examples/cluster.yaml: its name and the address its manifest gives it. */
export interface BackendSpec {
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

/** The myapp pods of examples/cluster.yaml, at their pod IPs and container port `http`. */
export const MYAPP_BACKENDS: readonly BackendSpec[] = [
  { name: 'myapp-1', address: '127.0.0.11', port: 9376 },
  { name: 'myapp-2', address: '127.0.0.12', port: 9376 },
  { name: 'myapp-3', address: '127.0.0.13', port: 9376 },
];

/** A backend that could not start listening (its address:port taken, most likely by another run). */
export class BackendListenError extends Error {
  override readonly name = 'BackendListenError';
  readonly backend: BackendSpec;
  readonly code: string | undefined;

  constructor(backend: BackendSpec, cause: NodeJS.ErrnoException) {
    super(`${backend.name} cannot listen on ${backend.address}:${backend.port}: ${cause.message}`, { cause });
    this.backend = backend;
    this.code = cause.code;
  }
}

/**
 * A pod of the tutorial's hostname app: every path answers `myapp-1 (127.0.0.11)`, except
 * `/healthz` (its readiness endpoint: 200, or 500 once told to fail), `/fail` and `/recover`
 * (which switch /healthz), so a user can watch a pod leave the service and come back.
 */
export class HostnameBackend {
  readonly spec: BackendSpec;
  readonly #logger: Logger;
  readonly #server: Server;
  #failing = false;

  constructor(spec: BackendSpec, logger: Logger) {
    this.spec = spec;
    this.#logger = logger;
    this.#server = createServer((request, response) => this.#answer(request, response));
  }

  async listen(): Promise<void> {
    const { address, port } = this.spec;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => reject(new BackendListenError(this.spec, error));
      this.#server.once('error', onError);
      this.#server.listen({ host: address, port }, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #answer(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0];
    // One request per connection: a browser or client keeping its connection alive would stay on
    // one backend, since the proxy picks a backend per connection, and hide the round robin.
    response.setHeader('connection', 'close');
    response.setHeader('content-type', 'text/plain; charset=utf-8');
    if (path === '/healthz') {
      response.statusCode = this.#failing ? 500 : 200;
      response.end(this.#failing ? 'failing\n' : 'ok\n');
      return;
    }
    if (path === '/fail' || path === '/recover') {
      this.#failing = path === '/fail';
      this.#logger.info({ backend: this.spec.name }, this.#failing ? 'backend now fails /healthz' : 'backend passes /healthz again');
      response.end(`${this.spec.name}: /healthz now answers ${this.#failing ? 500 : 200}\n`);
      return;
    }
    response.end(`${this.spec.name} (${this.spec.address})\n`);
  }
}
