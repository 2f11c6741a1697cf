/**
 * The floor server: a node:dgram socket that looks at nothing but the 2-byte query ID and sends
 * back one precomputed answer. No parsing, no lookup, no allocation beyond the reply copy: the
 * most queries per second any Node DNS server can answer on this machine, which puts the
 * clusterdns figure in proportion.
 *
 * Usage: node scripts/bench/floor.ts [--host 127.0.0.1] [--port 0] [--name N] [--address A] [--threads 1]
 * With --threads N > 1 the main thread and N-1 worker threads each bind the port with
 * SO_REUSEPORT, as clusterdns's threads do, and the kernel spreads the queries over them.
 * Prints one JSON line `{"listening":{"host":...,"port":...,"threads":...}}` on stdout once every
 * thread is bound.
 */
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { HeaderFlag, RRClass, RRType } from '../../src/dns/constants.ts';

export const FLOOR_DEFAULT_NAME = 'kubernetes.default.svc.cluster.local';
export const FLOOR_DEFAULT_ADDRESS = '10.96.0.1';

export class FloorAnswerError extends Error {
  readonly value: string;
  constructor(message: string, value: string) {
    super(`${message}: ${JSON.stringify(value)}`);
    this.name = 'FloorAnswerError';
    this.value = value;
  }
}

function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name === '' ? [] : name.split('.')) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new FloorAnswerError('bad label in name', name);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function encodeIPv4(address: string): Buffer {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new FloorAnswerError('not an IPv4 address', address);
  }
  return Buffer.from(octets);
}

/**
 * A whole response message (ID 0, QR|AA, NOERROR) to `name IN A` with one A record; the
 * answer's owner is a compression pointer to the question name.
 */
export function buildFixedAnswer(name: string, address: string, ttl = 5): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(HeaderFlag.QR | HeaderFlag.AA, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 6);
  const question = Buffer.alloc(4);
  question.writeUInt16BE(RRType.A, 0);
  question.writeUInt16BE(RRClass.IN, 2);
  const record = Buffer.alloc(12);
  record.writeUInt16BE(0xc000 | 12, 0);
  record.writeUInt16BE(RRType.A, 2);
  record.writeUInt16BE(RRClass.IN, 4);
  record.writeUInt32BE(ttl, 6);
  record.writeUInt16BE(4, 10);
  return Buffer.concat([header, encodeName(name.toLowerCase()), question, record, encodeIPv4(address)]);
}

export interface FloorServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface FloorOptions {
  readonly host: string;
  readonly port: number;
  readonly answer: Buffer;
  /** Share the port with the other threads' sockets. */
  readonly reusePort?: boolean;
}

export function startFloorServer(options: FloorOptions): Promise<FloorServer> {
  const template = options.answer;
  const family = options.host.includes(':') ? 'udp6' : 'udp4';
  const socket = dgram.createSocket({ type: family, reusePort: options.reusePort ?? false });
  socket.on('message', (query, peer) => {
    if (query.length < 12) return;
    // A copy per reply: send() is asynchronous, so a shared buffer could change under it.
    const reply = Buffer.allocUnsafe(template.length);
    template.copy(reply);
    reply[0] = query[0]!;
    reply[1] = query[1]!;
    socket.send(reply, peer.port, peer.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject);
      const bound = socket.address();
      resolve({
        host: bound.address,
        port: bound.port,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}

/** What a worker thread needs to bind beside the main thread. */
interface FloorThread {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly address: string;
}

/** Resolves once the worker is bound; a worker that fails later takes the process down (no 'error' listener left). */
function startThread(data: FloorThread): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: data });
    worker.once('error', reject);
    worker.once('message', () => {
      worker.off('error', reject);
      resolve(worker);
    });
  });
}

async function threadMain(data: FloorThread): Promise<void> {
  await startFloorServer({ host: data.host, port: data.port, answer: buildFixedAnswer(data.name, data.address), reusePort: true });
  parentPort!.postMessage('bound');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      name: { type: 'string', default: FLOOR_DEFAULT_NAME },
      address: { type: 'string', default: FLOOR_DEFAULT_ADDRESS },
      threads: { type: 'string', default: '1' },
    },
  });
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads: want a positive integer, got ${JSON.stringify(values.threads)}`);
  const server = await startFloorServer({
    host: values.host,
    port: Number(values.port),
    answer: buildFixedAnswer(values.name, values.address),
    reusePort: threads > 1,
  });
  // The workers bind the port the main thread got: with --port 0 each would get its own otherwise.
  const data: FloorThread = { host: server.host, port: server.port, name: values.name, address: values.address };
  await Promise.all(Array.from({ length: threads - 1 }, () => startThread(data)));
  process.stdout.write(`${JSON.stringify({ listening: { host: server.host, port: server.port, threads } })}\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (import.meta.main) await (isMainThread ? main() : threadMain(workerData as FloorThread));
