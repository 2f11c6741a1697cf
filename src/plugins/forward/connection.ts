import dgram from 'node:dgram';
import net from 'node:net';
import { HEADER_LENGTH } from '../../dns/constants.ts';
import { joinHostPort } from '../../toolkit/host-port.ts';
import { describeSocketError, describeTlsError, UpstreamError, UpstreamTimeoutError } from './errors.ts';
import type { TlsDialer } from './tls-dial.ts';
import type { UpstreamAddress, WireProtocol } from './upstreams.ts';

/** The exchange a connection is waiting on: at most one at a time, as CoreDNS's persistConn. */
interface Pending {
  readonly id: number;
  readonly resolve: (reply: Buffer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** Whether any byte came back during this exchange (a silent close of a pooled TCP connection is retried). */
  received: boolean;
}

/** One socket to one upstream, used for one exchange at a time and pooled between them. */
export interface UpstreamConnection {
  readonly protocol: WireProtocol;
  /** When it was opened and last given back to the pool (Date.now()). */
  readonly created: number;
  lastUsed: number;
  readonly closed: boolean;
  /**
   * Sends `message` (already carrying `id`, and framed for TCP and TLS) and resolves with the first
   * response carrying `id`; others are dropped, as they answer earlier tries that timed out.
   * Rejects with UpstreamError on a socket error, on close, or after `timeoutMs`.
   */
  exchange(message: Buffer, id: number, timeoutMs: number): Promise<Buffer>;
  /** True when the last exchange failed without a byte from the upstream. */
  readonly silent: boolean;
  close(): void;
}

/** Go names a TLS connection's socket errors after the TCP connection under it. */
function netName(protocol: WireProtocol): 'udp' | 'tcp' {
  return protocol === 'udp' ? 'udp' : 'tcp';
}

/** Shared bookkeeping of the pending exchange for every transport. */
abstract class BaseConnection implements UpstreamConnection {
  abstract readonly protocol: WireProtocol;
  readonly created = Date.now();
  lastUsed = this.created;
  closed = false;
  silent = false;
  protected pending: Pending | null = null;
  protected readonly upstream: UpstreamAddress;

  constructor(upstream: UpstreamAddress) {
    this.upstream = upstream;
  }

  protected abstract send(message: Buffer): void;
  protected abstract destroy(): void;
  protected abstract localName(): string;

  exchange(message: Buffer, id: number, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(this.error('write', 'use of closed network connection'));
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(this.timeoutError()), timeoutMs);
      this.pending = { id, resolve, reject, timer, received: false };
      this.send(message);
    });
  }

  /** A whole message came in: the pending exchange takes it when the ID is its own. */
  protected deliver(message: Buffer): void {
    const pending = this.pending;
    if (pending === null) return;
    pending.received = true;
    // miekg/dns skips runts and replies to other IDs and keeps reading until its deadline.
    if (message.length < HEADER_LENGTH || message.readUInt16BE(0) !== pending.id) return;
    this.pending = null;
    clearTimeout(pending.timer);
    pending.resolve(message);
  }

  /** Fails the pending exchange (if any) and closes: a socket that failed is never reused. */
  protected fail(error: UpstreamError): void {
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) this.silent = !pending.received;
    this.close();
    if (pending !== null) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  protected error(operation: 'read' | 'write', reason: string, cause?: unknown): UpstreamError {
    const message = `${operation} ${netName(this.protocol)} ${this.localName()}->${this.upstream.label}: ${reason}`;
    return new UpstreamError(message, this.upstream.label, this.protocol, operation, cause);
  }

  private timeoutError(): UpstreamTimeoutError {
    const message = `read ${netName(this.protocol)} ${this.localName()}->${this.upstream.label}: i/o timeout`;
    return new UpstreamTimeoutError(message, this.upstream.label, this.protocol, 'read');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.destroy();
    const pending = this.pending;
    if (pending !== null) {
      this.pending = null;
      clearTimeout(pending.timer);
      pending.reject(this.error('read', 'use of closed network connection'));
    }
  }
}

function dialError(upstream: UpstreamAddress, protocol: WireProtocol, reason: string, cause?: unknown): UpstreamError {
  return new UpstreamError(`dial ${netName(protocol)} ${upstream.label}: ${reason}`, upstream.label, protocol, 'dial', cause);
}

/** A connected UDP socket: the kernel filters other senders, and ICMP errors reach us. */
export class UdpConnection extends BaseConnection {
  readonly protocol = 'udp';
  private readonly socket: dgram.Socket;
  private local = '';

  private constructor(upstream: UpstreamAddress, socket: dgram.Socket) {
    super(upstream);
    this.socket = socket;
    socket.on('message', (message: Buffer) => this.deliver(message));
    socket.on('error', (error) => this.fail(this.error('read', `read: ${describeSocketError(error)}`, error)));
    socket.unref();
  }

  static open(upstream: UpstreamAddress): Promise<UdpConnection> {
    const socket = dgram.createSocket(upstream.family === 6 ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        socket.close();
        reject(dialError(upstream, 'udp', describeSocketError(error), error));
      };
      socket.once('error', onError);
      socket.connect(upstream.port, upstream.host, () => {
        socket.off('error', onError);
        const connection = new UdpConnection(upstream, socket);
        const address = socket.address();
        connection.local = joinHostPort(address.address, address.port);
        resolve(connection);
      });
    });
  }

  protected send(message: Buffer): void {
    this.socket.send(message, (error) => {
      if (error) this.fail(this.error('write', `write: ${describeSocketError(error)}`, error));
    });
  }

  protected destroy(): void {
    this.socket.close();
  }

  protected localName(): string {
    return this.local;
  }
}

/**
 * A TCP connection, or a TLS one over TCP, carrying length-prefixed messages (RFC 1035 4.2.2,
 * RFC 7858 3.3).
 */
export class StreamConnection extends BaseConnection {
  readonly protocol: 'tcp' | 'tcp-tls';
  private readonly socket: net.Socket;
  private readonly local: string;
  /** Bytes of a message not complete yet. */
  private partial: Buffer | null = null;

  private constructor(upstream: UpstreamAddress, socket: net.Socket, protocol: 'tcp' | 'tcp-tls') {
    super(upstream);
    this.protocol = protocol;
    this.socket = socket;
    this.local = joinHostPort(socket.localAddress ?? '', socket.localPort ?? 0);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => {
      // A TLS alert after the handshake (a client certificate refused) is Go's tls error as it is.
      const tls = describeTlsError(error);
      const failure = tls === null ? this.error('read', `read: ${describeSocketError(error)}`, error) : new UpstreamError(tls, upstream.label, protocol, 'read', error);
      this.fail(failure);
    });
    socket.on('close', () => this.fail(this.error('read', 'EOF')));
    socket.unref();
  }

  /** A TCP connection, made within `timeoutMs`. */
  static open(upstream: UpstreamAddress, timeoutMs: number): Promise<StreamConnection> {
    const socket = net.connect({ host: upstream.host, port: upstream.port, noDelay: true });
    return StreamConnection.settle(upstream, socket, 'connect', 'tcp', timeoutMs);
  }

  /** A TLS connection whose handshake and certificate check pass within `timeoutMs`, as Go's dial timeout covers both. */
  static openTls(upstream: UpstreamAddress, dialer: TlsDialer, timeoutMs: number): Promise<StreamConnection> {
    const socket = dialer.connect(upstream.host, upstream.port);
    socket.setNoDelay(true);
    return StreamConnection.settle(upstream, socket, 'secureConnect', 'tcp-tls', timeoutMs);
  }

  /** Resolves once `ready` comes within `timeoutMs`; the socket is destroyed on failure. */
  private static settle(
    upstream: UpstreamAddress,
    socket: net.Socket,
    ready: 'connect' | 'secureConnect',
    protocol: 'tcp' | 'tcp-tls',
    timeoutMs: number,
  ): Promise<StreamConnection> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new UpstreamTimeoutError(`dial tcp ${upstream.label}: i/o timeout`, upstream.label, protocol, 'dial'));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        socket.destroy();
        // Go's tls.Dial returns a handshake failure as it is, a refused connection as a dial error.
        const tls = describeTlsError(error);
        if (tls !== null) reject(new UpstreamError(tls, upstream.label, protocol, 'dial', error));
        else reject(dialError(upstream, protocol, `connect: ${describeSocketError(error)}`, error));
      });
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new StreamConnection(upstream, socket, protocol));
      });
    });
  }

  private receive(chunk: Buffer): void {
    if (this.pending !== null) this.pending.received = true;
    let data = this.partial === null ? chunk : Buffer.concat([this.partial, chunk]);
    this.partial = null;
    while (data.length >= 2) {
      const end = 2 + data.readUInt16BE(0);
      if (data.length < end) break;
      // A copy: the reply may be cached long after this chunk is gone.
      this.deliver(Buffer.from(data.subarray(2, end)));
      data = data.subarray(end);
    }
    if (data.length > 0) this.partial = data;
  }

  protected send(message: Buffer): void {
    this.socket.write(message);
  }

  protected destroy(): void {
    this.socket.destroy();
  }

  protected localName(): string {
    return this.local;
  }
}
