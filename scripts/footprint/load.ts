/**
 * The burst: a bounded UDP load generator in its own process (its CPU and memory are not the
 * server's). A window of queries in flight; each reply frees a slot for the next query; a query
 * unanswered after `timeoutMs` is lost. Stops after `count` queries were sent or `seconds` passed,
 * whichever comes first, then waits for the last replies (at most `timeoutMs`).
 *
 * Parent side: `runBurst`. Child side: this file run as a script.
 */
import dgram from 'node:dgram';
import { startProcess } from '../bench/processes.ts';
import { seededRandom } from '../bench/prng.ts';
import type { ClusterLayout } from './objects.ts';
import { burstQueries, type Expected } from './queries.ts';
import { classify, encodeQuery, readReplyHeader, setId } from './wire.ts';

export interface BurstOptions {
  readonly port: number;
  readonly layout: ClusterLayout;
  readonly count: number;
  readonly seconds: number;
  readonly window: number;
  readonly timeoutMs: number;
  readonly seed: number;
}

export interface BurstResult {
  readonly sent: number;
  readonly answered: number;
  readonly lost: number;
  /** Replies whose class (answer, NXDOMAIN, NODATA) is not what the query expects. */
  readonly unexpected: number;
  /** Replies by class: answer, nxdomain, nodata, other (SERVFAIL, REFUSED...). */
  readonly replies: Readonly<Record<Expected | 'other', number>>;
  readonly truncated: number;
  /** From the first query sent to the last reply, ms. */
  readonly elapsedMs: number;
  /** Answered queries per second over `elapsedMs`. */
  readonly qps: number;
  /** Whether the burst stopped on its time limit before sending `count`. */
  readonly timeLimited: boolean;
}

export const DEFAULT_BURST = { seconds: 60, window: 128, timeoutMs: 1000, seed: 7 } as const;

interface InFlight {
  readonly expected: Expected;
  readonly sentAt: number;
}

async function burst(options: BurstOptions): Promise<BurstResult> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(options.port, '127.0.0.1', () => resolve());
  });
  const queries = burstQueries(seededRandom(options.seed), options.layout);
  const inFlight = new Map<number, InFlight>();
  const replies = { answer: 0, nxdomain: 0, nodata: 0, other: 0 };
  let sent = 0;
  let answered = 0;
  let lost = 0;
  let unexpected = 0;
  let truncated = 0;
  let nextId = 0;
  let lastReply = 0;
  const started = performance.now();
  const sendDeadline = started + options.seconds * 1000;
  let timeLimited = false;

  return new Promise<BurstResult>((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearInterval(sweeper);
      socket.close();
      const elapsedMs = Math.max(1, (answered > 0 ? lastReply : performance.now()) - started);
      resolve({ sent, answered, lost, unexpected, replies, truncated, elapsedMs, qps: (answered * 1000) / elapsedMs, timeLimited });
    };
    const sending = (): boolean => {
      if (sent >= options.count) return false;
      if (performance.now() >= sendDeadline) {
        timeLimited = true;
        return false;
      }
      return true;
    };
    const fill = (): void => {
      if (done) return;
      while (inFlight.size < options.window && sending()) {
        // Skip IDs still in flight (possible once the 16-bit IDs wrap within a timeout).
        let id = nextId;
        while (inFlight.has(id)) id = (id + 1) & 0xffff;
        nextId = (id + 1) & 0xffff;
        const query = queries.next().value as { name: string; type: 'A' | 'AAAA' | 'SRV'; expected: Expected };
        const packet = encodeQuery(query.name, query.type);
        setId(packet, id);
        inFlight.set(id, { expected: query.expected, sentAt: performance.now() });
        sent++;
        socket.send(packet);
      }
      if (inFlight.size === 0 && !sending()) finish();
    };
    socket.on('message', (message: Buffer) => {
      const header = readReplyHeader(message);
      if (!header) return;
      const pending = inFlight.get(header.id);
      if (!pending) return; // late, after its timeout
      inFlight.delete(header.id);
      answered++;
      lastReply = performance.now();
      if (header.truncated) truncated++;
      const got = classify(header);
      replies[got]++;
      if (got !== pending.expected) unexpected++;
      fill();
    });
    // ICMP port unreachable and the like: the query is left to time out.
    socket.on('error', () => undefined);
    const sweeper = setInterval(() => {
      const oldest = performance.now() - options.timeoutMs;
      for (const [id, pending] of inFlight) {
        if (pending.sentAt <= oldest) {
          inFlight.delete(id);
          lost++;
        }
      }
      fill();
    }, Math.max(10, Math.floor(options.timeoutMs / 10)));
    fill();
  });
}

/**
 * Runs the burst in a child process; resolves with its result (rejects if the child fails). When
 * `abort` fires (the server died), the child is stopped and this rejects at once instead of
 * counting every remaining query as lost.
 */
export async function runBurst(options: BurstOptions, abort?: AbortSignal): Promise<BurstResult> {
  abort?.throwIfAborted();
  const running = startProcess(process.execPath, [import.meta.filename, JSON.stringify(options)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    deadlineMs: (options.seconds + 30) * 1000,
  });
  let onAbort: (() => void) | undefined;
  try {
    const result = await new Promise<BurstResult>((resolve, reject) => {
      running.child.once('message', (message) => resolve(message as BurstResult));
      running.child.once('exit', (code, signal) => reject(new Error(`load generator exited (${signal ?? code}) without a result`)));
      onAbort = () => reject(abort?.reason instanceof Error ? abort.reason : new Error('burst aborted'));
      abort?.addEventListener('abort', onAbort, { once: true });
    });
    return result;
  } finally {
    if (onAbort) abort?.removeEventListener('abort', onAbort);
    await running.stop(2000);
  }
}

if (import.meta.main) {
  const options = JSON.parse(process.argv[2] ?? '{}') as BurstOptions;
  const result = await burst(options);
  process.send?.(result, () => process.disconnect());
}
