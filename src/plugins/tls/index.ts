import type { PluginDefinition, ServerTlsOptions } from '../../toolkit/types.ts';
import { parseTls } from './parse.ts';

/**
 * `tls CERT KEY [CA]` (CoreDNS plugin/tls): the certificate of the block's tls:// and https://
 * listeners. It only configures: the server reads the parsed options when it opens them.
 */
export const tlsPlugin: PluginDefinition<ServerTlsOptions> = {
  name: 'tls',
  once: true,
  parse: parseTls,
  setup: () => ({}),
};
