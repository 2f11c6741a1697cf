import type { PluginDefinition } from '../../toolkit/types.ts';
import { Balancer } from './balance.ts';
import { loadbalanceHandler } from './handler.ts';
import { parseLoadbalance, type LoadbalanceOptions } from './parse.ts';

/**
 * `loadbalance [round_robin] { prefer CIDR... }`: reorders the address and MX records of the
 * replies the rest of the chain returns, as CoreDNS's loadbalance does.
 */
export const loadbalancePlugin: PluginDefinition<LoadbalanceOptions> = {
  name: 'loadbalance',
  // CoreDNS reads every `loadbalance` line of a block; a second one here shuffles again, to the same effect.
  once: false,
  parse: parseLoadbalance,
  setup: (options) => ({ handler: loadbalanceHandler(new Balancer(options.prefer)) }),
};
