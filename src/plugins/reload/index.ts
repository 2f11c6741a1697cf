import type { PluginDefinition, PluginInstance, ServerControl, SetupContext } from '../../toolkit/types.ts';
import { jitteredInterval, parseReload, type ReloadOptions } from './parse.ts';
import { CorefileWatcher } from './watch.ts';

export type { ReloadOptions } from './parse.ts';

/** One watcher per running configuration, however many blocks say `reload` (it is process-wide in CoreDNS). */
const watched = new WeakSet<ServerControl>();

export function setupReload(options: ReloadOptions, context: SetupContext): PluginInstance {
  // The main thread watches the Corefile and hands a changed one to every worker.
  if (context.threads.role === 'worker') return {};
  let server: ServerControl | undefined;
  let watcher: CorefileWatcher | undefined;
  context.onShutdown(() => watcher?.stop());
  return {
    attach: (_block, control) => {
      if (watched.has(control)) return;
      watched.add(control);
      server = control;
    },
    start: async () => {
      if (server === undefined) return;
      if (server.corefile.file === 'stdin') {
        context.logger.warn('the Corefile was read from stdin: its changes cannot be watched');
        return;
      }
      watcher = new CorefileWatcher(server, jitteredInterval(options), context.logger);
    },
  };
}

/**
 * `reload [INTERVAL] [JITTER]`: re-reads the Corefile (and its imports) every INTERVAL and applies
 * it when it changed, without dropping queries; a broken one keeps the running configuration.
 */
export const reloadPlugin: PluginDefinition<ReloadOptions> = {
  name: 'reload',
  once: true,
  parse: parseReload,
  setup: setupReload,
};
