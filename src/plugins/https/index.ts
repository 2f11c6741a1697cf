import type { HttpsServerOptions, PluginDefinition } from '../../toolkit/types.ts';
import { parseHttps } from './parse.ts';

/**
 * `https` (CoreDNS plugin/https): limits of the block's DNS-over-HTTPS listeners. It only
 * configures: the server reads the parsed options when it opens them.
 */
export const httpsPlugin: PluginDefinition<HttpsServerOptions> = {
  name: 'https',
  once: true,
  parse: parseHttps,
  setup: () => ({}),
};
