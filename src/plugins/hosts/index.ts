import { statSync } from 'node:fs';
import { CorefileError } from '../../corefile/types.ts';
import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { createHostsHandler } from './handler.ts';
import { parseHosts, type HostsOptions } from './parse.ts';
import { HostsSource } from './source.ts';

export { hostsEntries, hostsReloadTime } from './source.ts';
export type { HostsOptions } from './parse.ts';

/** CoreDNS warns about a missing hosts file (it may appear later) and refuses one it cannot stat. */
function checkPath(options: HostsOptions, context: SetupContext): void {
  try {
    if (statSync(options.path).isDirectory()) context.logger.warn(`Hosts file "${options.path}" is a directory`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      context.logger.warn(`File does not exist: ${options.path}`);
      return;
    }
    throw new CorefileError(options.file, options.line, `unable to access hosts file '${options.path}': ${(error as Error).message}`, 'hosts');
  }
}

export function setupHosts(options: HostsOptions, context: SetupContext): PluginInstance {
  checkPath(options, context);
  const zones = options.zones ?? context.zones;
  const source = new HostsSource({
    path: options.path,
    inline: options.inline,
    origins: zones,
    autoReverse: options.autoReverse,
    logger: context.logger,
  });
  let timer: NodeJS.Timeout | null = null;
  context.onShutdown(() => {
    if (timer !== null) clearInterval(timer);
  });
  return {
    handler: createHostsHandler(source, {
      zones,
      ttl: options.ttl,
      fallthrough: options.fallthrough,
      fallthroughUnsupported: options.fallthroughUnsupported,
    }),
    async start() {
      await source.read();
      if (options.reloadMs > 0) {
        timer = setInterval(() => void source.read(), options.reloadMs);
        timer.unref();
      }
    },
  };
}

/** `hosts [FILE [ZONES...]] { ... }` (CoreDNS plugin/hosts): serves /etc/hosts-style data. */
export const hostsPlugin: PluginDefinition<HostsOptions> = {
  name: 'hosts',
  once: true,
  parse: parseHosts,
  setup: setupHosts,
};
