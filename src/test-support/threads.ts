import { MessageChannel } from 'node:worker_threads';
import { Exchange, type ThreadMessage } from '../server/threads/exchange.ts';

/**
 * A main thread's and a worker's Exchange joined by a MessageChannel in this one thread, so a
 * plugin's two roles can be set up side by side and talk as they would across threads.
 */
export function linkedExchanges(): { main: Exchange; worker: Exchange; close(): void } {
  const { port1, port2 } = new MessageChannel();
  const main = new Exchange('main', 2);
  const worker = new Exchange('worker', 2);
  main.attach(port1);
  worker.attach(port2);
  port1.on('message', (message: ThreadMessage) => main.receive(port1, message));
  port2.on('message', (message: ThreadMessage) => worker.receive(port2, message));
  return {
    main,
    worker,
    close: () => {
      port1.close();
      port2.close();
    },
  };
}
