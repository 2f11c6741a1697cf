import type { ThreadLink } from '../../toolkit/threads.ts';
import type { PluginDefinition } from '../../toolkit/types.ts';
import { Forward } from './handler.ts';
import type { ForwardOptions } from './options.ts';
import { parseForward } from './parse.ts';
import type { HealthDuty } from './upstream.ts';

export { Forward } from './handler.ts';
export type { ForwardOptions } from './options.ts';

/** Where the forward instances of a block find each other, in Corefile order. */
const SHARED_KEY = 'forward';

/** What the main thread hears from a worker, and tells every worker, about forward line `place`'s upstreams. */
const probeCall = (place: number): string => `${place}/probe`;
const failsEvent = (place: number): string => `${place}/fails`;

interface FailsChange {
  readonly index: number;
  readonly fails: number;
}

/**
 * One health check per upstream for the whole process (`-workers`): the main thread probes and
 * tells the failed-check counts; a worker asks it to probe, and keeps the counts it is told.
 */
function healthDuties(link: ThreadLink, place: number): (index: number) => HealthDuty {
  if (link.threads === 1) return () => ({ kind: 'local' });
  if (link.role === 'worker') return (index) => ({ kind: 'remote', probe: () => void link.call(probeCall(place), index).catch(() => {}) });
  return (index) => ({ kind: 'local', onFails: (fails) => link.broadcast(failsEvent(place), { index, fails } satisfies FailsChange) });
}

function shareHealth(link: ThreadLink, place: number, forward: Forward): void {
  if (link.threads === 1) return;
  if (link.role === 'main') {
    link.serve(probeCall(place), (index) => void forward.upstreams[index as number]?.healthcheck());
    return;
  }
  link.listen(failsEvent(place), (payload) => {
    const { index, fails } = payload as FailsChange;
    const upstream = forward.upstreams[index];
    if (upstream !== undefined) upstream.fails = fails;
  });
}

export const forwardPlugin: PluginDefinition<ForwardOptions> = {
  name: 'forward',
  // Several `forward` lines chain: CoreDNS hands a query to the next one on `next` RCODEs.
  once: false,
  parse: parseForward,
  setup(options, context) {
    const peers = (context.shared.get(SHARED_KEY) as Forward[] | undefined) ?? [];
    const place = peers.length;
    const forward = new Forward(options, healthDuties(context.threads, place));
    shareHealth(context.threads, place, forward);
    const previous = peers.at(-1);
    if (previous !== undefined) previous.followedByForward = true;
    peers.push(forward);
    context.shared.set(SHARED_KEY, peers);
    context.onShutdown(() => forward.stop());
    return { handler: (next) => forward.handler(next) };
  },
};
