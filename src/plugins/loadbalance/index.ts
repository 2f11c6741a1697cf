import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { Balancer } from './balance.ts';
import { loadbalanceHandler } from './handler.ts';
import { parseLoadbalance, type LoadbalanceOptions, type WeightedOptions } from './parse.ts';
import { WeightSource } from './weight-source.ts';
import { WeightedBalancer } from './weighted.ts';

/** The weight file is read before the first query and checked every reload interval until the configuration goes. */
function setupWeighted(options: WeightedOptions, context: SetupContext): PluginInstance {
  const source = new WeightSource(options.weightFile, context.logger);
  let stopWatching = (): void => {};
  context.onShutdown(() => stopWatching());
  return {
    handler: loadbalanceHandler(new WeightedBalancer(source)),
    async start() {
      await source.load(options.reloadMs);
      stopWatching = source.watch(options.reloadMs);
    },
  };
}

/**
 * `loadbalance [round_robin] { prefer CIDR... }` or `loadbalance weighted WEIGHTFILE { reload
 * DURATION }`: reorders the records of the replies the rest of the chain returns, as CoreDNS's
 * loadbalance does.
 */
export const loadbalancePlugin: PluginDefinition<LoadbalanceOptions> = {
  name: 'loadbalance',
  // CoreDNS reads every `loadbalance` line of a block and keeps the last policy; here each line reorders in turn (README).
  once: false,
  parse: parseLoadbalance,
  setup: (options, context) =>
    options.policy === 'weighted' ? setupWeighted(options, context) : { handler: loadbalanceHandler(new Balancer(options.prefer)) },
};
