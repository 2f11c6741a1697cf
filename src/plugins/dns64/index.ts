import type { PluginDefinition } from '../../toolkit/types.ts';
import { dns64Handler } from './handler.ts';
import { parseDns64, type Dns64Options } from './parse.ts';

/**
 * `dns64 [PREFIX] { prefix PREFIX; translate_all; allow_ipv4 }` (CoreDNS plugin/dns64): AAAA
 * answers synthesized from A records for IPv6-only clients behind NAT64 (RFC 6147).
 */
export const dns64Plugin: PluginDefinition<Dns64Options> = {
  name: 'dns64',
  once: true,
  parse: parseDns64,
  setup: (options, context) => ({ handler: dns64Handler(options, context.logger) }),
};
