import type { PluginDefinition } from '../../toolkit/types.ts';
import { parseBind, type BindOptions } from './parse.ts';

export type { BindOptions } from './parse.ts';

/**
 * `bind` only configures: the server reads its listenHosts when it plans the block's listeners
 * (see planServer), so setup has nothing left to do and the block's chain gets no handler.
 */
export const bindPlugin: PluginDefinition<BindOptions> = {
  name: 'bind',
  // Several `bind` lines in one block add their addresses up, as in CoreDNS.
  once: false,
  parse: (directive) => parseBind(directive),
  setup: () => ({}),
};
