import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket, { type Answer } from 'dns-packet';
import { decodeMessage, type DecodedMessage } from '../dns/message.ts';
import { encodeQuery } from '../dns/query.ts';
import { RRType } from '../dns/constants.ts';
import { freePort } from './ports.ts';

/*
 * Upstream DNS servers for tests of forwarding: a scriptable fake on UDP and TCP for fault
 * injection (silence, delay, truncation, wrong IDs, chosen RCODEs), and a real dnsmasq.
 * Both listen on 127.0.0.1 only.
 */

export type UpstreamTransport = 'udp' | 'tcp';

/** A query as the fake upstream received it. */
export interface ReceivedQuery {
  readonly transport: UpstreamTransport;
  readonly raw: Buffer;
  readonly message: DecodedMessage;
  /** The first question's name without trailing dot ('' for the root) and type code. */
  readonly name: string;
  readonly type: number;
}

/**
 * What the fake does with one query: the response messages to send (in order, possibly none),
 * each after `delayMs` when given. Build them with `respond`.
 */
export type Behavior = (query: ReceivedQuery) => readonly FakeResponse[] | Promise<readonly FakeResponse[]>;

export interface FakeResponse {
  readonly bytes: Buffer;
  readonly delayMs?: number;
  /** Over TCP, close the connection once this response is written. */
  readonly close?: boolean;
}

export interface RespondOptions {
  readonly rcode?: number;
  /** dns-packet flag bits besides QR and RCODE (AUTHORITATIVE_ANSWER, TRUNCATED_RESPONSE...). */
  readonly flags?: number;
  readonly answers?: readonly Answer[];
  readonly authorities?: readonly Answer[];
  readonly additionals?: readonly Answer[];
  /** Overrides the ID echoed from the query. */
  readonly id?: number;
  /** Overrides the question echoed from the query. */
  readonly question?: { readonly name: string; readonly type: Answer['type'] };
  /** Adds an OPT record with this UDP size (at the end of the additional section). */
  readonly ednsUdpSize?: number;
  readonly delayMs?: number;
  readonly close?: boolean;
}

const TYPE_NAMES = new Map<number, Answer['type']>([
  [RRType.A, 'A'],
  [RRType.AAAA, 'AAAA'],
  [RRType.NS, 'NS'],
  [RRType.TXT, 'TXT'],
  [RRType.HINFO, 'HINFO'],
  [RRType.MX, 'MX'],
  [RRType.CNAME, 'CNAME'],
  [RRType.SOA, 'SOA'],
  [RRType.PTR, 'PTR'],
  [RRType.SRV, 'SRV'],
]);

const CLASS_NAMES = new Map<number, 'IN' | 'CH' | 'HS' | 'ANY'>([
  [1, 'IN'],
  [3, 'CH'],
  [4, 'HS'],
  [255, 'ANY'],
]);

/** A response to `query` built with dns-packet: ID and question echoed unless overridden. */
export function respond(query: ReceivedQuery, options: RespondOptions = {}): FakeResponse {
  const question = options.question ?? { name: query.name, type: TYPE_NAMES.get(query.type) ?? 'A' };
  const additionals = [...(options.additionals ?? [])];
  if (options.ednsUdpSize !== undefined) {
    additionals.push({ type: 'OPT', name: '.', udpPayloadSize: options.ednsUdpSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] });
  }
  const bytes = dnsPacket.encode({
    type: 'response',
    id: options.id ?? query.message.id,
    flags: (options.flags ?? 0) | (query.message.flags & dnsPacket.RECURSION_DESIRED) | (options.rcode ?? 0),
    questions: [{ name: question.name, type: question.type, class: CLASS_NAMES.get(query.message.questions[0]!.class) ?? 'IN' }],
    answers: [...(options.answers ?? [])],
    authorities: [...(options.authorities ?? [])],
    additionals,
  });
  return { bytes, delayMs: options.delayMs, close: options.close };
}

/** An A record answer for the query's name. */
export function aRecord(name: string, address: string, ttl = 60): Answer {
  return { type: 'A', name, ttl, data: address };
}

export interface FakeUpstream {
  readonly port: number;
  /** `127.0.0.1:port`, as forward names it. */
  readonly address: string;
  /** Every query received, health checks included, in arrival order. */
  readonly received: ReceivedQuery[];
  setBehavior(behavior: Behavior): void;
  /** Received queries other than health checks (`. IN NS`). */
  queries(): ReceivedQuery[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** The fake's default: A 192.0.2.1 for every question. */
export const answerA: Behavior = (query) => [respond(query, { answers: [aRecord(query.name, '192.0.2.1')] })];

function isHealthCheck(query: ReceivedQuery): boolean {
  return query.name === '' && query.type === RRType.NS;
}

function receive(raw: Buffer, transport: UpstreamTransport): ReceivedQuery | null {
  try {
    const message = decodeMessage(raw);
    const question = message.questions[0];
    if (question === undefined) return null;
    return { transport, raw, message, name: question.name, type: question.type };
  } catch {
    return null;
  }
}

/** A UDP socket and a TCP server on the same port of 127.0.0.1: `wanted`, or a free one. */
async function bindPair(wanted: number): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  for (let attempt = 0; attempt < (wanted === 0 ? 20 : 1); attempt++) {
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(wanted, '127.0.0.1', () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const port = udp.address().port;
    const tcp = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) return { udp, tcp, port };
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  }
  throw new Error(`no free port pair for the fake upstream (asked for ${wanted})`);
}

/** A scriptable upstream on 127.0.0.1, UDP and TCP on one port (`port`, else a free one). */
export async function startFakeUpstream(initial: Behavior = answerA, options: { port?: number } = {}): Promise<FakeUpstream> {
  let behavior = initial;
  const received: ReceivedQuery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const { udp, tcp, port } = await bindPair(options.port ?? 0);

  const later = (delayMs: number | undefined, send: () => void): void => {
    if (!delayMs) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, delayMs);
    timers.add(timer);
  };
  const handle = async (raw: Buffer, transport: UpstreamTransport, send: (response: FakeResponse) => void): Promise<void> => {
    const query = receive(raw, transport);
    if (query === null) return;
    received.push(query);
    for (const response of await behavior(query)) later(response.delayMs, () => send(response));
  };

  udp.on('message', (raw, peer) => {
    void handle(raw, 'udp', (response) => udp.send(response.bytes, peer.port, peer.address));
  });
  tcp.on('connection', (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const raw = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + raw.length);
        void handle(Buffer.from(raw), 'tcp', ({ bytes, close }) => {
          if (socket.destroyed) return;
          const frame = Buffer.alloc(2 + bytes.length);
          frame.writeUInt16BE(bytes.length, 0);
          bytes.copy(frame, 2);
          socket.write(frame);
          if (close) socket.end();
        });
      }
    });
  });
  return {
    port,
    address: `127.0.0.1:${port}`,
    received,
    setBehavior: (next) => void (behavior = next),
    queries: () => received.filter((query) => !isHealthCheck(query)),
    connections: () => accepted,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}

/** A UDP and TCP port on 127.0.0.1 where nothing listens (yet): queries get ICMP unreachable or RST. */
export function deadPort(): Promise<number> {
  return freePort();
}

/** An address of 127.0.0.0/8 other than 127.0.0.1, so a test may take port 53 on it (needs root). */
export function randomLoopbackAddress(): string {
  const byte = (): number => 2 + Math.floor(Math.random() * 250);
  return `127.${byte()}.${byte()}.${byte()}`;
}

export interface Dnsmasq {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  stop(): Promise<void>;
}

/** How long dnsmasq may take to answer its first query (a guard, not a measure). */
const DNSMASQ_START_MS = 5_000;

async function answersOnce(host: string, port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      socket.on('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.on('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      socket.send(encodeQuery('probe.invalid', RRType.A), port, host);
    });
  } finally {
    socket.close();
  }
}

/**
 * A real dnsmasq with no upstream of its own (`no-resolv`), on 127.0.0.1 and a free port unless
 * told otherwise: it answers from `lines` (`address=/example.test/192.0.2.1`, `txt-record=...`)
 * and REFUSES the rest.
 */
export async function startDnsmasq(lines: readonly string[], options: { host?: string; port?: number } = {}): Promise<Dnsmasq> {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdns-dnsmasq-'));
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const conf = join(dir, 'dnsmasq.conf');
  writeFileSync(
    conf,
    [`port=${port}`, `listen-address=${host}`, 'bind-interfaces', 'no-resolv', 'no-hosts', 'no-poll', 'user=', 'pid-file=', ...lines, ''].join('\n'),
  );
  const child: ChildProcess = spawn('dnsmasq', ['--keep-in-foreground', `--conf-file=${conf}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const started = Date.now();
  while (!(await answersOnce(host, port))) {
    if (child.exitCode !== null || Date.now() - started > DNSMASQ_START_MS) {
      await stop();
      throw new Error(`dnsmasq did not start on port ${port}: ${stderr}`);
    }
  }
  return { host, port, address: `${host}:${port}`, stop };
}
