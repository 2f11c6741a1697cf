import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { SHARED_AUTOPATH_KEY, type AutoPathFunc } from '../kubernetes/autopath.ts';
import { createAutoPathHandler, type SearchPathFor } from './handler.ts';
import { parseAutoPath, type AutoPathOptions } from './parse.ts';

export type { AutoPathOptions } from './parse.ts';

const NO_PATH: SearchPathFor = () => null;

export function setupAutoPath(options: AutoPathOptions, context: SetupContext): PluginInstance {
  const zones = options.zones ?? context.zones;
  const { source } = options;
  return {
    handler: (next) => {
      // Chains are composed once every plugin of the block is set up: kubernetes, which runs
      // after autopath, has published its function by now (CoreDNS looks it up at startup too).
      let searchPathFor: SearchPathFor;
      if (source.kind === 'file') {
        searchPathFor = () => source.search;
      } else {
        const fromKubernetes = context.shared.get(SHARED_AUTOPATH_KEY) as AutoPathFunc | undefined;
        if (fromKubernetes === undefined) context.logger.debug('autopath @kubernetes without a kubernetes plugin in the block: nothing to do');
        searchPathFor = fromKubernetes ?? NO_PATH;
      }
      return createAutoPathHandler(zones, searchPathFor)(next);
    },
  };
}

/** `autopath [ZONES...] RESOLV-CONF|@kubernetes` (CoreDNS plugin/autopath): server-side search path completion. */
export const autopathPlugin: PluginDefinition<AutoPathOptions> = {
  name: 'autopath',
  once: true,
  parse: parseAutoPath,
  setup: setupAutoPath,
};
