import { loadPlugins, pluginLoaders } from '../plugins/index.ts';
import type { PluginDefinition } from '../toolkit/types.ts';

/** Every compiled-in plugin, imported, for tests that plan Corefiles without a server. */
export const plugins: ReadonlyMap<string, PluginDefinition> = await loadPlugins(pluginLoaders.keys());
