import { clampUdpSize } from '../../toolkit/request.ts';
import type { HandlerFactory, PluginDefinition } from '../../toolkit/types.ts';
import { parseBufsize } from './parse.ts';

/** Lowers a larger advertised EDNS UDP size to `size` for the rest of the chain and the response. */
export function bufsizeHandler(size: number): HandlerFactory {
  return (next) => (request) => next(clampUdpSize(request, size));
}

/** `bufsize [SIZE]` (CoreDNS plugin/bufsize): caps the EDNS buffer size, against IP fragmentation. */
export const bufsizePlugin: PluginDefinition<number> = {
  name: 'bufsize',
  once: true,
  parse: parseBufsize,
  setup: (size) => ({ handler: bufsizeHandler(size) }),
};
