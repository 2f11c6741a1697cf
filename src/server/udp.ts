import dgram from 'node:dgram';
import type { Logger } from 'pino';
import { ListenError } from '../toolkit/errors.ts';
import { isPromiseLike } from '../toolkit/promise.ts';
import { clientAddress } from './client-address.ts';
import { ALL_INTERFACES } from './config.ts';
import type { Dispatcher, DnsResponse } from './dispatch.ts';

/** Asked of the kernel so bursts queue instead of dropping; Linux caps it at net.core.rmem_max. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
/** What a socket keeps between its bind and `serve` (a few milliseconds): a burst's worth. */
const MAX_EARLY_DATAGRAMS = 4096;

/**
 * Where a socket handing over connects: a peer that never sends. A connected socket in a reuseport
 * group is no longer picked for other peers' datagrams, while what is queued on it stays readable.
 */
const DISCARD_PORT = 9;

/** Sends a response from another process's socket on this listener's address (see handOver). */
export type ResponseRelay = (response: Buffer, port: number, address: string) => void;

/** Errors that mean "this host has no IPv6": fall back to an IPv4 socket. */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);

function bind(socket: dgram.Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

async function openSocket(host: string, port: number, reusePort: boolean): Promise<dgram.Socket> {
  if (host !== ALL_INTERFACES) {
    const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reusePort });
    await bind(socket, host, port);
    return socket;
  }
  // One dual-stack socket serves IPv4 and IPv6 clients; a host without IPv6 gets an IPv4 one.
  const dual = dgram.createSocket({ type: 'udp6', ipv6Only: false, reusePort });
  try {
    await bind(dual, '::', port);
    return dual;
  } catch (error) {
    dual.close();
    if (!NO_IPV6.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  const socket = dgram.createSocket({ type: 'udp4', reusePort });
  await bind(socket, '0.0.0.0', port);
  return socket;
}

/** A bound UDP socket answering through a Dispatcher. */
export class UdpListener {
  readonly address: string;
  readonly port: number;
  private readonly socket: dgram.Socket;
  private readonly logger: Logger;
  private closed = false;
  /** Datagrams read so far: a hand-over waits until this stops moving. */
  private received = 0;
  /** Set by handOver: where responses go once this socket no longer sends. */
  private relay: ResponseRelay | null = null;

  /**
   * A bound socket receives at once, and with SO_REUSEPORT the kernel hands it its share of the
   * queries before `serve` (a worker joining, a reload's new address): they wait here, not lost.
   */
  private readonly early: [Buffer, dgram.RemoteInfo][] = [];
  private readonly hold = (packet: Buffer, peer: dgram.RemoteInfo): void => {
    if (this.early.length < MAX_EARLY_DATAGRAMS) this.early.push([packet, peer]);
  };

  private constructor(socket: dgram.Socket, logger: Logger) {
    this.socket = socket;
    this.logger = logger;
    const local = socket.address();
    this.address = local.address;
    this.port = local.port;
    try {
      socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
    } catch (error) {
      logger.debug({ err: error }, 'could not raise the UDP receive buffer');
    }
    socket.on('error', (error) => logger.debug({ err: error }, 'udp socket error'));
    socket.on('message', this.hold);
  }


  /**
   * Binds the socket; `serve` then starts answering (port 0 learns its number in between). With
   * `reusePort` the kernel spreads datagrams over every socket bound so (the workers', a successor's).
   */
  static async open(host: string, port: number, logger: Logger, reusePort = false): Promise<UdpListener> {
    let socket: dgram.Socket;
    try {
      socket = await openSocket(host, port, reusePort);
    } catch (error) {
      throw new ListenError('udp', host, port, error);
    }
    return new UdpListener(socket, logger);
  }

  serve(dispatcher: Dispatcher): void {
    const { logger } = this;
    const answer = (packet: Buffer, peer: dgram.RemoteInfo): void => {
      this.received++;
      try {
        const result = dispatcher.dispatch(packet, {
          transport: 'udp',
          remoteAddress: clientAddress(peer.address),
          remotePort: peer.port,
          localAddress: this.address,
          localPort: this.port,
        });
        if (result === null) return;
        if (!isPromiseLike(result)) this.send(result, peer.port, peer.address);
        else {
          result.then(
            (response) => response && this.send(response, peer.port, peer.address),
            (error: unknown) => logger.error({ err: error }, 'udp dispatch failed'),
          );
        }
      } catch (error) {
        logger.error({ err: error }, 'udp dispatch failed');
      }
    };
    this.socket.off('message', this.hold);
    this.socket.on('message', answer);
    for (const [packet, peer] of this.early.splice(0)) answer(packet, peer);
  }

  /** Sends a response another process computed (a predecessor handing over) from this socket. */
  sendTo(response: Buffer, port: number, address: string): void {
    if (!this.closed && this.relay === null) this.socket.send(response, port, address);
  }

  private send(response: DnsResponse, port: number, address: string): void {
    // An answer that was still being computed when the server stopped has nowhere to go.
    if (this.closed) return;
    // A datagram carries one message: several are a zone transfer's, which `transfer` refuses over UDP.
    const message = Buffer.isBuffer(response) ? response : (response[0] as Buffer);
    if (this.relay !== null) this.relay(message, port, address);
    else this.socket.send(message, port, address);
  }

  /**
   * Hands this address over to a successor bound beside it (SO_REUSEPORT) without losing a
   * datagram: the socket connects to a peer that never sends, so the kernel stops choosing it,
   * and keeps answering what was already queued on it, its responses sent by `relay` (a connected
   * socket may not send elsewhere) from the successor's socket, until nothing has come for
   * `quietMs` (at most `maxMs`). Then it may close.
   */
  async handOver(relay: ResponseRelay, quietMs: number, maxMs: number): Promise<void> {
    if (this.closed) return;
    this.relay = relay;
    const peer = this.socket.address().family === 'IPv6' ? '::1' : '127.0.0.1';
    const deadline = performance.now() + maxMs;
    // A socket that cannot connect (an error event) keeps being chosen: the wait below still reads
    // and answers, and what comes after the last read is lost with it, as without a hand-over.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.socket.connect(DISCARD_PORT, peer, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    let seen = -1;
    while (seen !== this.received && performance.now() < deadline) {
      seen = this.received;
      await new Promise((resolve) => setTimeout(resolve, quietMs));
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
