import { flushStdout, stdoutLine, type LineWriter } from '../../toolkit/console.ts';
import type { BlockInfo, PluginDefinition } from '../../toolkit/types.ts';
import { Loop } from './handler.ts';
import { parseLoop } from './parse.ts';

export { Loop } from './handler.ts';

export interface LoopIo {
  readonly write: LineWriter;
  readonly exit: (code: number) => void;
}

/** The listener a block's probe goes to: its first site, as CoreDNS uses the config's first host and port. */
function firstListener(block: BlockInfo): { host: string; port: number } {
  const site = block.sites[0];
  if (site === undefined) return { host: '', port: 0 };
  const address = site.server.slice('dns://'.length);
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(colon + 1)) };
}

/** The loop plugin writing its FATAL line through `write` and ending the process through `exit`. */
export function createLoopPlugin(io: LoopIo): PluginDefinition<null> {
  return {
    name: 'loop',
    once: true,
    parse: parseLoop,
    setup(_options, context) {
      const loop = new Loop({ zone: context.zones[0] ?? '', write: io.write, exit: io.exit });
      context.onShutdown(() => loop.stop());
      return {
        handler: (next) => loop.handler(next),
        attach(block) {
          const { host, port } = firstListener(block);
          loop.listenOn(host, port);
        },
        start: () => {
          // One probe per process: the main thread's. Its rounds may come back through a worker,
          // whose own loop never matches them; the rounds through the main thread still count.
          if (context.threads.role === 'main') loop.start();
          return Promise.resolve();
        },
      };
    },
  };
}

export const loopPlugin = createLoopPlugin({
  write: stdoutLine,
  exit: (code) => {
    flushStdout();
    process.exit(code);
  },
});
