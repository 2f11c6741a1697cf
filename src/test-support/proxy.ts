import { type Socket as UdpSocket, createSocket } from 'node:dgram';
import { type Server, type Socket, connect, createServer } from 'node:net';
import type { EndpointSlice, Service } from '../cluster/types.ts';
import { service as clusterService } from './cluster.ts';

/** A TCP server answering every connection with its name and a newline, then echoing until the client ends. */
export class NamedTcpBackend {
  readonly name: string;
  readonly address: string;
  port = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor(name: string, address: string) {
    this.name = name;
    this.address = address;
    this.#server = createServer({ allowHalfOpen: true }, (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {});
      socket.write(`${name}\n`);
      socket.pipe(socket);
    });
  }

  get open(): number {
    return this.#sockets.size;
  }

  async listen(port = this.port): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.address, port }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.#server.address() as { port: number }).port;
    return this;
  }

  /** Stops listening and cuts its connections: a dead backend, refusing connects. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** A UDP server replying `name:payload` to each datagram. */
export class NamedUdpBackend {
  readonly name: string;
  readonly address: string;
  port = 0;
  readonly #socket: UdpSocket;
  readonly peers = new Set<string>();

  constructor(name: string, address: string) {
    this.name = name;
    this.address = address;
    this.#socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    this.#socket.on('message', (message, peer) => {
      this.peers.add(`${peer.address}:${peer.port}`);
      this.#socket.send(`${name}:${message.toString()}`, peer.port, peer.address);
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#socket.bind({ address: this.address, port: 0 }, resolve));
    this.port = this.#socket.address().port;
    return this;
  }

  #closed = false;

  /** Closes the port: datagrams to it now draw ICMP port unreachable. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
  }
}

export interface Connected {
  readonly socket: Socket;
  /** The backend's first line: its name. */
  readonly name: string;
}

/** Connects and reads the backend's name line; the connection stays open for the caller to end. */
export function connectNamed(address: string, port: number, localAddress?: string): Promise<Connected> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, ...(localAddress === undefined ? {} : { localAddress }) });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${address}:${port}`));
    }, 3000);
    socket.setEncoding('utf8');
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', function onData(chunk: string) {
      received += chunk;
      const newline = received.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve({ socket, name: received.slice(0, newline) });
    });
  });
}

/** One connection's backend name; the connection is ended right away. */
export async function whichBackend(address: string, port: number, localAddress?: string): Promise<string> {
  const { socket, name } = await connectNamed(address, port, localAddress);
  socket.end();
  return name;
}

/** Sends one datagram from `client` and waits for the reply. */
export function udpExchange(client: UdpSocket, address: string, port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no UDP reply from ${address}:${port}`));
    }, 3000);
    function onMessage(message: Buffer): void {
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(message.toString());
    }
    client.on('message', onMessage);
    client.send(payload, port, address);
  });
}

export async function udpClient(address = '127.0.0.1'): Promise<UdpSocket> {
  const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve) => socket.bind({ address, port: 0 }, resolve));
  return socket;
}

export function countBy(names: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** A service without a selector: its slices are the test's own. */
export function service(overrides: Partial<Service> & { name: string; clusterIPs: readonly string[] }): Service {
  return clusterService({ ports: [{ name: 'http', protocol: 'TCP', port: 80 }], selector: null, ...overrides });
}

export interface BackendAt {
  readonly address: string;
  readonly port: number;
  readonly ready?: boolean;
}

/** One slice of a service, its endpoints each on their own port, as pods with different ports would be. */
export function slices(serviceName: string, portName: string, protocol: 'TCP' | 'UDP', backends: readonly BackendAt[]): EndpointSlice[] {
  return backends.map((backend, i) => ({
    namespace: 'default',
    name: `${serviceName}-${protocol.toLowerCase()}-${i}`,
    serviceName,
    addressType: backend.address.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [backend.address], conditions: { ready: backend.ready ?? true, serving: true, terminating: false } }],
    ports: [{ name: portName, protocol, port: backend.port }],
    labels: {},
  }));
}
