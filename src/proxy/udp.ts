import { type RemoteInfo, type Socket, createSocket } from 'node:dgram';
import type { Backend } from './backends.ts';
import type { Frontend, FrontendOptions } from './frontend.ts';
import type { ServicePortState } from './service-port.ts';
import type { FrontendSpec } from './types.ts';

/** Open flows per listener: past this, new clients are dropped rather than exhausting descriptors. */
const MAX_FLOWS = 10_000;
/** Datagrams held while a flow's upstream socket connects. */
const MAX_PENDING = 64;

/**
 * Relays UDP for a service port. Each client address:port is a flow with its own connected
 * upstream socket to one backend, so replies find their way back and the kernel reports a refusing
 * backend; a flow closes after the idle timeout with no datagram either way.
 */
export class UdpFrontend implements Frontend {
  readonly spec: FrontendSpec;
  state: ServicePortState;
  readonly options: FrontendOptions;
  readonly socket: Socket;
  readonly flows = new Map<string, UdpFlow>();

  constructor(spec: FrontendSpec, state: ServicePortState, options: FrontendOptions) {
    this.spec = spec;
    this.state = state;
    this.options = options;
    this.socket = createSocket(spec.family === 'IPv6' ? 'udp6' : 'udp4');
    this.socket.on('message', (message, client) => this.#receive(message, client));
  }

  open(): Promise<void> {
    const socket = this.socket;
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.spec.address, port: this.spec.port, exclusive: true }, () => {
        socket.off('error', reject);
        // Send failures toward one client must not take the listener down.
        socket.on('error', (error) => this.options.logger.debug({ err: error, listener: this.spec.key }, 'proxy listener error'));
        resolve();
      });
    });
  }

  /** UDP has no connection to leave running: replies could not go out through a closed listener anyway. */
  close(): void {
    try {
      this.socket.close();
    } catch {
      // Never bound, or closed already: nothing to stop.
    }
    for (const flow of [...this.flows.values()]) flow.close();
  }

  async destroy(): Promise<void> {
    this.close();
  }

  #receive(message: Buffer, client: RemoteInfo): void {
    const key = `${client.address}|${client.port}`;
    let flow = this.flows.get(key);
    if (flow === undefined) {
      const state = this.state;
      const backend = this.flows.size < MAX_FLOWS ? state.choose(this.spec.family, client.address, undefined) : undefined;
      if (backend === undefined) {
        state.counters.errors++;
        return;
      }
      state.counters.connections++;
      flow = new UdpFlow(this, key, client, backend);
      this.flows.set(key, flow);
    }
    flow.send(message);
  }
}

/** One client's conversation with its backend. */
class UdpFlow {
  readonly #frontend: UdpFrontend;
  readonly #key: string;
  readonly #clientAddress: string;
  readonly #clientPort: number;
  readonly #state: ServicePortState;
  readonly #idle: NodeJS.Timeout;
  #backend: Backend;
  #upstream: Socket;
  #connected = false;
  #pending: Buffer[] = [];
  /** The last datagram sent, replayed to the next backend when this one turns out to refuse. */
  #last: Buffer | undefined;
  #answered = false;
  #tried: Set<Backend> | undefined;
  #closed = false;

  constructor(frontend: UdpFrontend, key: string, client: RemoteInfo, backend: Backend) {
    this.#frontend = frontend;
    this.#key = key;
    this.#clientAddress = client.address;
    this.#clientPort = client.port;
    this.#state = frontend.state;
    this.#backend = backend;
    this.#idle = setTimeout(() => this.close(), frontend.options.udpIdleTimeoutMs);
    this.#upstream = this.#openUpstream(backend);
  }

  send(message: Buffer): void {
    this.#idle.refresh();
    this.#state.counters.bytesIn += message.length;
    this.#last = message;
    if (this.#connected) this.#upstream.send(message);
    else if (this.#pending.length < MAX_PENDING) this.#pending.push(message);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idle);
    this.#closeUpstream();
    this.#frontend.flows.delete(this.#key);
  }

  #openUpstream(backend: Backend): Socket {
    backend.active++;
    const upstream = createSocket(backend.family === 'IPv6' ? 'udp6' : 'udp4');
    upstream.on('message', (message) => this.#reply(message));
    upstream.on('error', (error: NodeJS.ErrnoException) => this.#failed(upstream, error));
    upstream.connect(backend.port, backend.address, () => {
      if (upstream !== this.#upstream || this.#closed) return;
      this.#connected = true;
      for (const message of this.#pending) upstream.send(message);
      this.#pending = [];
    });
    return upstream;
  }

  #closeUpstream(): void {
    this.#backend.active--;
    this.#connected = false;
    try {
      this.#upstream.close();
    } catch {
      // Already closed by its own error.
    }
  }

  #reply(message: Buffer): void {
    if (this.#closed) return;
    this.#answered = true;
    this.#idle.refresh();
    this.#state.counters.bytesOut += message.length;
    this.#frontend.socket.send(message, this.#clientPort, this.#clientAddress);
  }

  /**
   * The backend refused (ICMP port unreachable) or the socket broke. A flow that never got an
   * answer moves to the next untried backend and replays its last datagram; one that was answered
   * closes, and the client's next datagram starts a new flow.
   */
  #failed(upstream: Socket, error: NodeJS.ErrnoException): void {
    if (upstream !== this.#upstream || this.#closed) return;
    const failedBackend = this.#backend;
    this.#state.counters.errors++;
    this.#state.forget(this.#clientAddress);
    this.#frontend.options.logger.debug(
      { listener: this.#frontend.spec.key, backend: failedBackend.key, reason: error.code ?? error.message },
      'udp backend failed',
    );
    const next = this.#answered ? undefined : this.#nextBackend(failedBackend);
    if (next === undefined) {
      this.close();
      return;
    }
    this.#closeUpstream();
    this.#backend = next;
    if (this.#last !== undefined && this.#pending.length === 0) this.#pending.push(this.#last);
    this.#upstream = this.#openUpstream(next);
  }

  #nextBackend(failed: Backend): Backend | undefined {
    this.#tried ??= new Set();
    this.#tried.add(failed);
    return this.#state.choose(this.#frontend.spec.family, this.#clientAddress, this.#tried);
  }
}
