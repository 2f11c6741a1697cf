import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { ListenError } from '../toolkit/errors.ts';
import { isPromiseLike } from '../toolkit/promise.ts';
import type { Endpoints, ServerTlsOptions } from '../toolkit/types.ts';
import { clientAddress } from './client-address.ts';
import { ALL_INTERFACES } from './config.ts';
import type { DnsResponse, QueryDispatch } from './dispatch.ts';
import { clientAccepted, secureServerOptions, writeKeyLog } from './secure.ts';

export interface TcpOptions {
  /** Time for a new connection to send its first query (CoreDNS's ReadTimeout: 3 s). */
  readonly readTimeoutMs: number;
  /** Time a connection may sit idle between queries (CoreDNS's IdleTimeout: 10 s). */
  readonly idleTimeoutMs: number;
  /** Connections beyond this are closed as they arrive. */
  readonly maxConnections: number;
  /** Connections of one client address beyond this are closed as they arrive (before a TLS handshake); 0 for no limit. */
  readonly maxConnectionsPerClient: number;
  /** Queries of one connection in progress at once; reading pauses beyond it. */
  readonly maxPendingPerConnection: number;
}

export const DEFAULT_TCP_OPTIONS: TcpOptions = {
  readTimeoutMs: 3_000,
  idleTimeoutMs: 10_000,
  maxConnections: 4096,
  // BIND's tcp-clients (150) for a whole server is far below this; a client needs a sixteenth of
  // the listener's connections before it is cut off (a NodeLocal cache keeps a few dozen).
  maxConnectionsPerClient: 256,
  maxPendingPerConnection: 128,
};

/**
 * One client connection: RFC 1035 4.2.2 length-prefixed messages, possibly split across or packed
 * into chunks; answers go out as they complete (RFC 7766 6.2.1.1 allows any order).
 */
class Connection {
  private readonly socket: net.Socket;
  private readonly listener: TcpListener;
  /** Every query of the connection comes from the same client to the same address. */
  private readonly endpoints: Endpoints;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes needed before a whole message is in: the length prefix, then the message. */
  private needed = 2;
  private pending = 0;
  private receivedQuery = false;
  /** The peer finished sending, or the server is stopping: close once answers are out. */
  private finishing = false;

  constructor(socket: net.Socket, listener: TcpListener) {
    this.socket = socket;
    this.listener = listener;
    this.endpoints = {
      transport: 'tcp',
      remoteAddress: clientAddress(socket.remoteAddress ?? ''),
      remotePort: socket.remotePort ?? 0,
      localAddress: clientAddress(socket.localAddress ?? ''),
      localPort: socket.localPort ?? 0,
    };
    socket.setNoDelay(true);
    socket.setTimeout(listener.options.readTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.finish());
    socket.on('timeout', () => {
      if (this.pending === 0) socket.destroy();
    });
    socket.on('error', (error) => listener.logger.debug({ err: error }, 'tcp connection error'));
  }

  /**
   * Chunks are kept aside until a whole message is in, then joined once: joining on every chunk
   * would let a client trickling a 64 KiB message byte by byte cost gigabytes of copying.
   */
  private receive(chunk: Buffer): void {
    if (this.finishing) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.needed) return;
    const data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    let offset = 0;
    while (data.length - offset >= 2) {
      const end = offset + 2 + data.readUInt16BE(offset);
      if (end > data.length) break;
      this.answer(data.subarray(offset + 2, end));
      offset = end;
    }
    const rest = data.subarray(offset);
    this.chunks = rest.length === 0 ? [] : [rest];
    this.buffered = rest.length;
    this.needed = rest.length < 2 ? 2 : 2 + rest.readUInt16BE(0);
    if (!this.receivedQuery && offset > 0) {
      this.receivedQuery = true;
      this.socket.setTimeout(this.listener.options.idleTimeoutMs);
    }
  }

  private answer(message: Buffer): void {
    let result;
    try {
      result = this.listener.dispatcher.dispatch(message, this.endpoints);
    } catch (error) {
      this.listener.logger.error({ err: error }, 'tcp dispatch failed');
      return;
    }
    if (result === null) return;
    if (!isPromiseLike(result)) {
      this.write(result);
      return;
    }
    this.pending++;
    if (this.pending >= this.listener.options.maxPendingPerConnection) this.socket.pause();
    result
      .then(
        (response) => response && this.write(response),
        (error: unknown) => this.listener.logger.error({ err: error }, 'tcp dispatch failed'),
      )
      .finally(() => {
        this.pending--;
        if (this.pending < this.listener.options.maxPendingPerConnection) this.socket.resume();
        if (this.finishing && this.pending === 0) this.socket.end();
      });
  }

  private write(response: DnsResponse): void {
    if (!this.socket.writable) return;
    this.socket.cork();
    for (const message of Array.isArray(response) ? response : [response]) {
      const prefix = Buffer.allocUnsafe(2);
      prefix.writeUInt16BE(message.length, 0);
      this.socket.write(prefix);
      this.socket.write(message);
    }
    this.socket.uncork();
  }

  /** Stops reading; the connection closes when its last answer is written. */
  finish(): void {
    this.finishing = true;
    if (this.pending === 0) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * A listening TCP socket answering through a Dispatcher: plain DNS over TCP, or DNS over TLS (RFC
 * 7858: the same framing inside a TLS session) when given a `tls` certificate.
 */
export class TcpListener {
  readonly address: string;
  readonly port: number;
  readonly dispatcher: QueryDispatch;
  readonly logger: Logger;
  readonly options: TcpOptions;
  private readonly server: net.Server;
  private readonly connections = new Map<net.Socket, Connection>();
  /** Open connections (TLS handshakes included) by client address. */
  private readonly perClient = new Map<string, number>();
  private closing: Promise<void> | null = null;
  private readonly closeKeyLog: () => void;

  private constructor(server: net.Server, dispatcher: QueryDispatch, logger: Logger, options: TcpOptions, secure: ServerTlsOptions | null) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.logger = logger;
    this.options = options;
    const local = server.address() as net.AddressInfo;
    this.address = local.address;
    this.port = local.port;
    server.maxConnections = options.maxConnections;
    const accept = (socket: net.Socket): void => {
      this.connections.set(socket, new Connection(socket, this));
      socket.on('close', () => this.connections.delete(socket));
    };
    if (secure === null) {
      server.on('connection', (socket: net.Socket) => this.admit(socket) && accept(socket));
      this.closeKeyLog = () => {};
    } else {
      server.on('connection', (socket: net.Socket) => this.admit(socket));
      server.on('secureConnection', (socket: tls.TLSSocket) => (clientAccepted(socket, secure) ? accept(socket) : socket.destroy()));
      server.on('tlsClientError', (error) => logger.debug({ err: error }, 'tls handshake failed'));
      this.closeKeyLog = writeKeyLog(server as tls.Server, secure, logger);
    }
    server.on('error', (error) => logger.error({ err: error }, 'tcp listener error'));
  }

  /** Counts a new connection against its client's share, or closes it over the share. */
  private admit(socket: net.Socket): boolean {
    const client = clientAddress(socket.remoteAddress ?? '');
    const open = this.perClient.get(client) ?? 0;
    const limit = this.options.maxConnectionsPerClient;
    if (limit > 0 && open >= limit) {
      socket.destroy();
      return false;
    }
    this.perClient.set(client, open + 1);
    socket.once('close', () => {
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left === 0) this.perClient.delete(client);
      else this.perClient.set(client, left);
    });
    return true;
  }

  /** Listens on `host:port`; with `secure`, every connection is a TLS session first. */
  static async open(
    host: string,
    port: number,
    dispatcher: QueryDispatch,
    logger: Logger,
    options: TcpOptions = DEFAULT_TCP_OPTIONS,
    reusePort = false,
    secure: ServerTlsOptions | null = null,
  ): Promise<TcpListener> {
    const socketOptions = { allowHalfOpen: true, noDelay: true };
    const server = secure === null ? net.createServer(socketOptions) : tls.createServer({ ...socketOptions, ...secureServerOptions(secure) });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // Without a host Node listens on '::' dual-stack, or 0.0.0.0 where there is no IPv6.
        const where = host === ALL_INTERFACES ? { port } : { port, host };
        server.listen({ ...where, exclusive: true, reusePort }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      server.close();
      throw new ListenError('tcp', host, port, error);
    }
    return new TcpListener(server, dispatcher, logger, options, secure);
  }

  /** Serves new TLS sessions with a reloaded `tls` line's certificate; sessions already open keep theirs. */
  replaceCertificate(secure: ServerTlsOptions): void {
    if (this.server instanceof tls.Server) this.server.setSecureContext(secureServerOptions(secure));
  }

  /**
   * Stops accepting, lets connections write the answers they owe, and cuts whatever is still
   * open after `graceMs`.
   */
  close(graceMs: number): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close();
      for (const connection of this.connections.values()) connection.finish();
      const deadline = setTimeout(() => {
        for (const connection of this.connections.values()) connection.destroy();
      }, graceMs);
      const check = (): void => {
        if (this.connections.size > 0) return;
        clearTimeout(deadline);
        this.closeKeyLog();
        resolve();
      };
      for (const socket of this.connections.keys()) socket.once('close', check);
      check();
    });
    return this.closing;
  }
}
