import { externalerOffer } from '../../toolkit/offers.ts';
import type { PluginDefinition } from '../../toolkit/types.ts';
import { externalHandler } from './handler.ts';
import { parseExternal, type ExternalOptions } from './parse.ts';

export type { ExternalOptions } from './parse.ts';

/** A block with k8s_external and no kubernetes plugin: CoreDNS fails to start it. */
export class ExternalSetupError extends Error {
  constructor() {
    super('k8s_external needs the kubernetes plugin in the same server block');
    this.name = 'ExternalSetupError';
  }
}

/**
 * `k8s_external [ZONES...] { apex; ttl; headless; fallthrough }` (CoreDNS plugin/k8s_external):
 * services' external addresses (externalIPs, load balancer ingress) under an external zone.
 */
export const externalPlugin: PluginDefinition<ExternalOptions> = {
  name: 'k8s_external',
  once: true,
  parse: parseExternal,
  setup: (options, context) => ({
    // Composed once every plugin of the block is set up: kubernetes, after this one in the order,
    // has offered its Externaler by then.
    handler: (next) => {
      const externaler = externalerOffer.find(context);
      if (externaler === undefined) throw new ExternalSetupError();
      return externalHandler({ zones: options.zones ?? context.zones, options, externaler }, next);
    },
  }),
};
