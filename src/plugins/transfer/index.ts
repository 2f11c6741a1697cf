import { toFqdn } from '../../dns/names.ts';
import { transfererOffer } from '../../toolkit/offers.ts';
import type { PluginDefinition } from '../../toolkit/types.ts';
import { transferHandler } from './handler.ts';
import { parseTransfer, type TransferOptions } from './parse.ts';

export type { TransferOptions } from './parse.ts';

/**
 * `transfer [ZONES...] { to ADDRESS... }` (CoreDNS plugin/transfer): outgoing AXFR and IXFR of
 * the zones `kubernetes` serves, to the clients `to` allows.
 */
export const transferPlugin: PluginDefinition<TransferOptions> = {
  name: 'transfer',
  // CoreDNS takes a `transfer` line per group of zones, each with its own `to`.
  once: false,
  parse: parseTransfer,
  setup: (options, context) => {
    const rule = {
      zones: options.zones ?? context.zones,
      allowed: (address: string) => options.to.includes('*') || options.to.includes(address),
      sent: (zone: string, records: number, client: string, serial: number) =>
        context.logger.info({ zone: toFqdn(zone), records, client, serial }, 'outgoing transfer'),
    };
    return {
      // Composed once every plugin of the block is set up: kubernetes, after transfer in the
      // order, has offered its zones by then.
      handler: (next) => transferHandler(rule, transfererOffer.find(context), next),
    };
  },
};
