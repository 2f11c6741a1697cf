import type { PluginDefinition } from '../../toolkit/types.ts';
import { nsidHandler } from './handler.ts';
import { parseNsid } from './parse.ts';

/** `nsid [DATA]` (CoreDNS plugin/nsid): identifies this server to clients that ask (RFC 5001). */
export const nsidPlugin: PluginDefinition<string> = {
  name: 'nsid',
  once: true,
  parse: parseNsid,
  setup: (data) => ({ handler: nsidHandler(data) }),
};
