import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Corefile } from '../../corefile/types.ts';
import type { Readiness } from '../../toolkit/types.ts';
import type { Exchange, ThreadMessage } from './exchange.ts';
import { WORKER_CALLS, type RelayedResponse, type WorkerStart } from './protocol.ts';

/** The worker's entry beside this file: worker.ts from the sources (tests), worker.js from dist/. */
const WORKER_ENTRY = new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * A worker's old-space cap. Each isolate would otherwise take the process's cap (sized from the
 * memory limit for the main thread), and the caps together would pass the limit; a worker holds
 * its modules, a memo and a cache share, never the cluster.
 */
export const WORKER_OLD_SPACE_MB = 48;
/**
 * A worker's young generation (V8 splits it in three): 1 MB semi-spaces, half the main thread's.
 * A worker's garbage is its queries', and a young generation stays resident after a burst in every
 * thread (see the worker memo in the kubernetes plugin for what the two saved).
 */
const WORKER_YOUNG_GENERATION_MB = 3;

const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long before dying is restarted at once again, not after its last delay doubled. */
const STABLE_AFTER_MS = 30_000;
/** How often the main thread checks that each worker's event loop turns. */
const HEARTBEAT_MS = 1_000;
/**
 * A worker that has not answered a heartbeat for this long is stuck (a loop that never yields):
 * its socket would keep taking its share of the queries and answer none, so it is restarted.
 */
const STUCK_AFTER_MS = 5_000;
/** How long a worker may take to stop once asked, before it is terminated. */
const STOP_TIMEOUT_MS = 10_000;

export interface PoolOptions {
  /** Threads answering queries, the main thread included: the pool runs threads - 1 workers. */
  readonly threads: number;
  readonly exchange: Exchange;
  readonly corefile: Corefile;
  readonly dnsPort: number;
  readonly quiet: boolean;
  readonly logger: Logger;
  /** How often each worker's event loop is checked, and how long it may stay unanswered (tests shorten them). */
  readonly heartbeatMs?: number;
  readonly stuckAfterMs?: number;
}

interface Running {
  readonly worker: Worker;
  readonly startedAt: number;
  restartDelayMs: number;
  /** When the heartbeat still unanswered was sent; null when none is. */
  pingSentAt: number | null;
}

/** Raised when a worker could not start: its index and why. */
export class WorkerStartError extends Error {
  readonly index: number;
  constructor(index: number, reason: string) {
    super(`worker ${index} did not start: ${reason}`);
    this.name = 'WorkerStartError';
    this.index = index;
  }
}

/**
 * The worker threads beside the main thread: starts them on the running Corefile, restarts one
 * that dies (logged, with a growing delay while it keeps dying) while the others answer, hands
 * each a reload, and stops them.
 */
export class WorkerPool {
  readonly #options: PoolOptions;
  readonly #running = new Map<number, Running>();
  /** The workers that said they serve, and have not exited since. */
  readonly #serving = new Set<number>();
  readonly #starting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  #corefile: Corefile;
  #stopping = false;
  #relay: ((relayed: RelayedResponse) => void) | null = null;
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#corefile = options.corefile;
    options.exchange.serve(WORKER_CALLS.started, (index) => {
      this.#serving.add(index as number);
      this.#starting.get(index as number)?.resolve();
    });
    options.exchange.serve(WORKER_CALLS.relay, (payload) => void this.#relay?.(payload as RelayedResponse));
    options.exchange.serve(WORKER_CALLS.failed, (payload) => {
      const { index, message } = payload as { index: number; message: string };
      this.#starting.get(index)?.reject(new WorkerStartError(index, message));
    });
  }

  /** Workers running now; all of them once start() resolved, fewer while one restarts. */
  get running(): number {
    return this.#running.size;
  }

  /** For `ready`: every worker is serving. */
  readonly readiness: Readiness = { name: 'workers', ready: () => this.#serving.size === this.#options.threads - 1 };

  /** The running workers' threads, by index. */
  workers(): ReadonlyMap<number, Worker> {
    return new Map([...this.#running].map(([index, running]) => [index, running.worker]));
  }

  /** Starts every worker; rejects (and stops those started) when one cannot start. */
  async start(): Promise<void> {
    const indices = Array.from({ length: this.#options.threads - 1 }, (_, i) => i + 1);
    try {
      await Promise.all(indices.map((index) => this.#spawn(index, FIRST_RESTART_DELAY_MS)));
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.#heartbeat = setInterval(() => this.#checkHeartbeats(), this.#options.heartbeatMs ?? HEARTBEAT_MS).unref();
  }

  #checkHeartbeats(): void {
    const now = Date.now();
    const stuckAfterMs = this.#options.stuckAfterMs ?? STUCK_AFTER_MS;
    for (const [index, running] of this.#running) {
      if (!this.#serving.has(index)) continue;
      if (running.pingSentAt !== null) {
        if (now - running.pingSentAt < stuckAfterMs) continue;
        this.#options.logger.error({ worker: index }, `worker ${index} has not answered for ${stuckAfterMs} ms: restarting it`);
        running.pingSentAt = null;
        void running.worker.terminate();
        continue;
      }
      running.pingSentAt = now;
      this.#options.exchange.callWorker(running.worker, WORKER_CALLS.ping, null).then(
        () => void (running.pingSentAt = null),
        () => {},
      );
    }
  }

  /**
   * Hands every worker the Corefile the main thread now runs. A worker whose reload fails is
   * restarted on it, so no thread keeps answering from the old configuration.
   */
  async reload(corefile: Corefile): Promise<void> {
    this.#corefile = corefile;
    await Promise.all(
      [...this.#running.entries()].map(async ([index, running]) => {
        try {
          await this.#options.exchange.callWorker(running.worker, WORKER_CALLS.reload, corefile);
        } catch (error) {
          this.#options.logger.error({ err: error, worker: index }, 'worker could not reload: restarting it on the new Corefile');
          await running.worker.terminate();
        }
      }),
    );
  }

  /** Every worker hands its UDP addresses over (RunningServer.handOver), its responses meanwhile sent by `relay`. */
  async handOver(relay: (relayed: RelayedResponse) => void): Promise<void> {
    this.#relay = relay;
    await Promise.all([...this.#running.values()].map(({ worker }) => this.#options.exchange.callWorker(worker, WORKER_CALLS.handOver, null).catch(() => {})));
  }

  /** Asks every worker to stop (they finish what they owe) and waits for them to end. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    await Promise.all(
      [...this.#running.values()].map(async ({ worker }) => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
        this.#options.exchange.callWorker(worker, WORKER_CALLS.stop, null).catch(() => worker.terminate());
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  #spawn(index: number, restartDelayMs: number): Promise<void> {
    const { exchange, logger } = this.#options;
    const start: WorkerStart = {
      index,
      threads: this.#options.threads,
      corefile: this.#corefile,
      dnsPort: this.#options.dnsPort,
      quiet: this.#options.quiet,
    };
    const worker = new Worker(WORKER_ENTRY, {
      workerData: start,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_SPACE_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    exchange.attach(worker);
    worker.on('message', (message: ThreadMessage) => exchange.receive(worker, message));
    worker.on('error', (error) => logger.error({ err: error, worker: index }, 'worker thread failed'));
    const started = new Promise<void>((resolve, reject) => this.#starting.set(index, { resolve, reject }));
    const running: Running = { worker, startedAt: Date.now(), restartDelayMs, pingSentAt: null };
    this.#running.set(index, running);
    worker.on('exit', (code) => {
      exchange.detach(worker);
      this.#running.delete(index);
      this.#serving.delete(index);
      this.#starting.get(index)?.reject(new WorkerStartError(index, `exited with code ${code}`));
      if (this.#stopping) return;
      const stable = Date.now() - running.startedAt >= STABLE_AFTER_MS;
      const delay = stable ? FIRST_RESTART_DELAY_MS : running.restartDelayMs;
      logger.error({ worker: index, code }, `worker ${index} exited with code ${code}: restarting it in ${delay} ms`);
      setTimeout(() => {
        if (this.#stopping) return;
        this.#spawn(index, Math.min(delay * 2, MAX_RESTART_DELAY_MS)).then(
          () => logger.info({ worker: index }, `worker ${index} restarted`),
          (error: unknown) => logger.error({ err: error, worker: index }, 'worker restart failed'),
        );
      }, delay).unref();
    });
    return started.finally(() => this.#starting.delete(index));
  }
}
