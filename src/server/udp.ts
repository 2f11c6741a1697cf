import dgram from 'node:dgram';
import type { Logger } from 'pino';
import { ListenError } from '../toolkit/errors.ts';
import { isPromiseLike } from '../toolkit/promise.ts';
import { clientAddress } from './client-address.ts';
import { ALL_INTERFACES } from './config.ts';
import type { Dispatcher } from './dispatch.ts';

/** Asked of the kernel so bursts queue instead of dropping; Linux caps it at net.core.rmem_max. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

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
    this.socket.on('message', (packet, peer) => {
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
    });
  }

  private send(response: Buffer, port: number, address: string): void {
    // An answer that was still being computed when the server stopped has nowhere to go.
    if (!this.closed) this.socket.send(response, port, address);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
