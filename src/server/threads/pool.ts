import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Corefile } from '../../corefile/types.ts';
import type { Exchange, ThreadMessage } from './exchange.ts';
import { WORKER_CALLS, type WorkerStart } from './protocol.ts';

/** The worker's entry beside this file: worker.ts from the sources (tests), worker.js from dist/. */
const WORKER_ENTRY = new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * A worker's old-space cap. Each isolate would otherwise take the process's cap (sized from the
 * memory limit for the main thread), and the caps together would pass the limit; a worker holds
 * its modules, a memo and a cache share, never the cluster.
 */
export const WORKER_OLD_SPACE_MB = 48;

const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long before dying is restarted at once again, not after its last delay doubled. */
const STABLE_AFTER_MS = 30_000;
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
}

interface Running {
  readonly worker: Worker;
  readonly startedAt: number;
  restartDelayMs: number;
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
  readonly #starting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  #corefile: Corefile;
  #stopping = false;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#corefile = options.corefile;
    options.exchange.serve(WORKER_CALLS.started, (index) => void this.#starting.get(index as number)?.resolve());
    options.exchange.serve(WORKER_CALLS.failed, (payload) => {
      const { index, message } = payload as { index: number; message: string };
      this.#starting.get(index)?.reject(new WorkerStartError(index, message));
    });
  }

  /** Workers running now; all of them once start() resolved, fewer while one restarts. */
  get running(): number {
    return this.#running.size;
  }

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

  /** Asks every worker to stop (they finish what they owe) and waits for them to end. */
  async stop(): Promise<void> {
    this.#stopping = true;
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
    const worker = new Worker(WORKER_ENTRY, { workerData: start, resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_SPACE_MB } });
    exchange.attach(worker);
    worker.on('message', (message: ThreadMessage) => exchange.receive(worker, message));
    worker.on('error', (error) => logger.error({ err: error, worker: index }, 'worker thread failed'));
    const started = new Promise<void>((resolve, reject) => this.#starting.set(index, { resolve, reject }));
    const running: Running = { worker, startedAt: Date.now(), restartDelayMs };
    this.#running.set(index, running);
    worker.on('exit', (code) => {
      exchange.detach(worker);
      this.#running.delete(index);
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
