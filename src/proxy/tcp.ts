import { type Server, type Socket, connect, createServer } from 'node:net';
import type { Backend } from './backends.ts';
import type { Frontend, FrontendOptions } from './frontend.ts';
import type { ServicePortState } from './service-port.ts';
import type { FrontendSpec, ProxyCounters } from './types.ts';

/**
 * Accepts TCP connections for a service port and splices each to a backend. A backend that
 * refuses or does not answer within the connect timeout is skipped for the next untried one; with
 * none left (or none ready) the client is reset, as a kernel proxy with no endpoints rejects.
 */
export class TcpFrontend implements Frontend {
  readonly spec: FrontendSpec;
  state: ServicePortState;
  readonly #options: FrontendOptions;
  readonly #server: Server;
  /** Clients and upstreams both, so destroy() can cut everything. */
  readonly #sockets = new Set<Socket>();

  constructor(spec: FrontendSpec, state: ServicePortState, options: FrontendOptions) {
    this.spec = spec;
    this.state = state;
    this.#options = options;
    // Half-open, so a client's FIN travels to the backend while the answer still flows back.
    this.#server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.#accept(client));
  }

  open(): Promise<void> {
    const server = this.#server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.spec.address, port: this.spec.port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.#options.logger.warn({ err: error, listener: this.spec.key }, 'proxy listener error'));
        resolve();
      });
    });
  }

  close(): void {
    if (this.#server.listening) this.#server.close();
  }

  async destroy(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.#server.listening) this.#server.close(() => resolve());
      else resolve();
    });
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  #accept(client: Socket): void {
    const state = this.state;
    state.counters.connections++;
    this.#track(client);
    client.on('error', () => {}); // a client gone before its backend answered is not worth a crash
    this.#connect(client, state, client.remoteAddress ?? '', undefined);
  }

  #connect(client: Socket, state: ServicePortState, clientIP: string, tried: Set<Backend> | undefined): void {
    const backend = state.choose(this.spec.family, clientIP, tried);
    if (backend === undefined) {
      state.counters.errors++;
      if (!client.destroyed) client.resetAndDestroy();
      return;
    }
    backend.active++;
    const upstream = connect({
      host: backend.address,
      port: backend.port,
      allowHalfOpen: true,
      noDelay: true,
      timeout: this.#options.connectTimeoutMs,
    });
    this.#track(upstream);
    upstream.once('close', () => backend.active--);
    let settled = false;
    const clientGone = (): void => {
      settled = true;
      upstream.destroy();
    };
    const failed = (reason: string): void => {
      if (settled) return;
      settled = true;
      client.off('close', clientGone);
      upstream.destroy();
      state.counters.errors++;
      state.forget(clientIP);
      this.#options.logger.debug({ listener: this.spec.key, backend: backend.key, reason }, 'backend connect failed, trying the next');
      if (client.destroyed) return;
      const nextTried = tried ?? new Set<Backend>();
      nextTried.add(backend);
      this.#connect(client, state, clientIP, nextTried);
    };
    client.once('close', clientGone);
    upstream.once('timeout', () => failed('timeout'));
    upstream.once('error', (error: NodeJS.ErrnoException) => failed(error.code ?? error.message));
    upstream.once('connect', () => {
      settled = true;
      client.off('close', clientGone);
      upstream.setTimeout(0);
      splice(client, upstream, state.counters);
    });
  }
}

/**
 * Copies both ways with backpressure, counting bytes. Ends travel through the pipes (half-close);
 * an error on one side resets the other, so an abnormal end looks abnormal to both peers.
 */
function splice(client: Socket, upstream: Socket, counters: ProxyCounters): void {
  client.on('data', (chunk: Buffer) => {
    counters.bytesIn += chunk.length;
  });
  upstream.on('data', (chunk: Buffer) => {
    counters.bytesOut += chunk.length;
  });
  client.on('error', () => resetIfOpen(upstream));
  upstream.on('error', () => {
    counters.errors++;
    resetIfOpen(client);
  });
  client.pipe(upstream);
  upstream.pipe(client);
}

function resetIfOpen(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}
