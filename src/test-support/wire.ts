import dgram from 'node:dgram';
import net from 'node:net';

/** How long a test waits for a packet before it fails (a guard, never an assertion on speed). */
const WAIT_MS = 3000;

/** Messages arriving in order, taken one at a time. */
class Inbox {
  private readonly queue: Buffer[] = [];
  private waiter: ((message: Buffer) => void) | null = null;

  push(message: Buffer): void {
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter(message);
    } else this.queue.push(message);
  }

  next(what: string): Promise<Buffer> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`no ${what} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      this.waiter = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }
}

export interface UdpClient {
  send(packet: Buffer): void;
  /** The next datagram the server sent back. */
  next(): Promise<Buffer>;
  close(): Promise<void>;
}

/** A UDP socket talking to 127.0.0.1:port. */
export async function udpClient(port: number): Promise<UdpClient> {
  const socket = dgram.createSocket('udp4');
  const inbox = new Inbox();
  socket.on('message', (message) => inbox.push(message));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    send: (packet) => socket.send(packet, port, '127.0.0.1'),
    next: () => inbox.next('UDP answer'),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

export interface TcpClient {
  /** Writes raw bytes: frames are the caller's business. */
  write(bytes: Buffer): void;
  /** Frames and writes DNS messages with their 2-byte length. */
  send(...messages: Buffer[]): void;
  /** The next length-framed message the server sent back. */
  next(): Promise<Buffer>;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;
  end(): void;
  destroy(): void;
}

export function frame(...messages: Buffer[]): Buffer {
  return Buffer.concat(
    messages.flatMap((message) => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(message.length);
      return [prefix, message];
    }),
  );
}

/** A TCP connection to 127.0.0.1:port that reassembles the server's length-framed answers. */
export async function tcpClient(port: number): Promise<TcpClient> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const inbox = new Inbox();
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const length = pending.readUInt16BE(0);
      inbox.push(pending.subarray(2, 2 + length));
      pending = pending.subarray(2 + length);
    }
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    write: (bytes) => void socket.write(bytes),
    send: (...messages) => void socket.write(frame(...messages)),
    next: () => inbox.next('TCP answer'),
    closed,
    end: () => void socket.end(),
    destroy: () => void socket.destroy(),
  };
}
