import type { PluginDefinition } from '../../toolkit/types.ts';
import { Forward } from './handler.ts';
import type { ForwardOptions } from './options.ts';
import { parseForward } from './parse.ts';

export { Forward } from './handler.ts';
export type { ForwardOptions } from './options.ts';

/** Where the forward instances of a block find each other, in Corefile order. */
const SHARED_KEY = 'forward';

export const forwardPlugin: PluginDefinition<ForwardOptions> = {
  name: 'forward',
  // Several `forward` lines chain: CoreDNS hands a query to the next one on `next` RCODEs.
  once: false,
  parse: parseForward,
  setup(options, context) {
    const forward = new Forward(options);
    const peers = (context.shared.get(SHARED_KEY) as Forward[] | undefined) ?? [];
    const previous = peers.at(-1);
    if (previous !== undefined) previous.followedByForward = true;
    peers.push(forward);
    context.shared.set(SHARED_KEY, peers);
    context.onShutdown(() => forward.stop());
    return { handler: (next) => forward.handler(next) };
  },
};
