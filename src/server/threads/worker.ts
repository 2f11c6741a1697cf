/**
 * A worker thread's entry (`-workers N` starts N-1 of them): the same Corefile as the main thread,
 * on sockets bound with SO_REUSEPORT beside the main thread's, its plugins reaching the main
 * thread through an Exchange. It starts serving, says so, and then does what the main thread asks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Corefile } from '../../corefile/types.ts';
import { createLogger } from '../../log.ts';
import { flushStdout } from '../../toolkit/console.ts';
import { startServer } from '../index.ts';
import { Exchange, type ThreadMessage } from './exchange.ts';
import { WORKER_CALLS, type RelayedResponse, type WorkerStart } from './protocol.ts';

const start = workerData as WorkerStart;
const parent = parentPort!;
const exchange = new Exchange('worker', start.threads);
exchange.attach(parent);
parent.on('message', (message: ThreadMessage) => exchange.receive(parent, message));

const logger = createLogger({ quiet: start.quiet }).child({ worker: start.index });
try {
  const server = await startServer(start.corefile, { dnsPort: start.dnsPort, logger, exchange });
  exchange.serve(WORKER_CALLS.ping, () => true);
  exchange.serve(WORKER_CALLS.handOver, () =>
    server.handOver((listener) => (response, clientPort, address) => {
      // Copied tight: a clone of a view carries its whole ArrayBuffer (a pooled slab).
      const relayed: RelayedResponse = { listener, response: new Uint8Array(response), port: clientPort, address };
      exchange.call(WORKER_CALLS.relay, relayed).catch(() => {});
    }),
  );
  exchange.serve(WORKER_CALLS.reload, (corefile) => server.reload(corefile as Corefile));
  exchange.serve(WORKER_CALLS.stop, async () => {
    await server.stop();
    flushStdout();
    // Nothing else keeps the thread: the main thread's stop awaits this reply, then the exit.
    setImmediate(() => parent.close());
  });
  await exchange.call(WORKER_CALLS.started, start.index);
} catch (error) {
  await exchange.call(WORKER_CALLS.failed, { index: start.index, message: (error as Error).message }).catch(() => {});
  process.exitCode = 1;
  parent.close();
}
