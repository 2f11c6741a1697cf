import { toFqdn } from '../../dns/names.ts';
import { gauge } from '../../metrics/registry.ts';
import type { BlockInfo } from '../../toolkit/types.ts';

/** The blocks with a running prometheus directive; a reload swaps them. */
const enabledBlocks = new Set<BlockInfo>();

/**
 * `coredns_plugin_enabled{server, zone, view, name} 1` for every handler plugin of every block
 * that enables prometheus, on each of its addresses and zones, rebuilt at each scrape from the
 * blocks running then: a reload's old and new configurations overlap without leaving stale series.
 */
const pluginEnabled = gauge(
  {
    name: 'coredns_plugin_enabled',
    help: 'A metric that indicates whether a plugin is enabled on per server and zone basis.',
    labelNames: ['server', 'zone', 'view', 'name'],
  },
  () => {
    pluginEnabled.reset();
    for (const block of enabledBlocks) {
      for (const { server, zone } of block.sites) {
        for (const name of block.handlers) pluginEnabled.cell(server, toFqdn(zone), '', name).set(1);
      }
    }
  },
);

/** Reports a block's plugins as enabled until the returned function is called. */
export function reportEnabledPlugins(block: BlockInfo): () => void {
  enabledBlocks.add(block);
  return () => void enabledBlocks.delete(block);
}
