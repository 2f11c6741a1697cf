import { autoPatherOffer } from '../../toolkit/offers.ts';
import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
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
      // after autopath, has offered its AutoPather by now (CoreDNS looks it up at startup too).
      let searchPathFor: SearchPathFor;
      if (source.kind === 'file') {
        searchPathFor = () => source.search;
      } else {
        const pather = autoPatherOffer.find(context);
        if (pather === undefined) context.logger.debug('autopath @kubernetes without a kubernetes plugin in the block: nothing to do');
        searchPathFor = pather === undefined ? NO_PATH : (request) => pather.autoPath(request);
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
