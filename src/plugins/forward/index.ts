import type { ThreadLink } from '../../toolkit/threads.ts';
import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { Forward } from './handler.ts';
import type { ForwardOptions } from './options.ts';
import { parseForward } from './parse.ts';
import { hasHostNames, hostLookup, resolveUpstreams } from './resolve.ts';
import type { HealthDuty } from './upstream.ts';
import type { UpstreamAddress } from './upstreams.ts';

export { Forward } from './handler.ts';
export type { ForwardOptions } from './options.ts';

/** Where the forward instances of a block find each other, in Corefile order. */
const SHARED_KEY = 'forward';

/** What the main thread hears from a worker, and tells every worker, about forward line `place`'s upstreams. */
const probeCall = (place: number): string => `${place}/probe`;
const failsEvent = (place: number): string => `${place}/fails`;
/** What a worker asks the main thread for: the upstreams its host names resolved to. */
const upstreamsCall = (place: number): string => `${place}/upstreams`;

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
    link.serve(upstreamsCall(place), () => forward.options.upstreams);
    return;
  }
  link.listen(failsEvent(place), (payload) => {
    const { index, fails } = payload as FailsChange;
    const upstream = forward.upstreams[index];
    if (upstream !== undefined) upstream.fails = fails;
  });
}

/**
 * The upstreams of TO arguments that name hosts, resolved once per process: a worker takes the
 * main thread's, so that every thread numbers the upstreams alike (health is told by index), and
 * resolves them itself only when the main thread has none to give.
 */
async function resolvedUpstreams(options: ForwardOptions, link: ThreadLink, place: number): Promise<readonly UpstreamAddress[]> {
  if (link.role === 'worker') {
    try {
      return (await link.call(upstreamsCall(place), null)) as UpstreamAddress[];
    } catch {
      // Resolved here instead, below.
    }
  }
  return resolveUpstreams(options.to, hostLookup(options.resolver));
}

function install(options: ForwardOptions, context: SetupContext, place: number): PluginInstance {
  const peers = (context.shared.get(SHARED_KEY) as Forward[] | undefined) ?? [];
  const forward = new Forward(options, healthDuties(context.threads, place));
  shareHealth(context.threads, place, forward);
  const previous = peers.at(-1);
  if (previous !== undefined) previous.followedByForward = true;
  peers.push(forward);
  context.shared.set(SHARED_KEY, peers);
  context.onShutdown(() => forward.stop());
  return { handler: (next) => forward.handler(next) };
}

export const forwardPlugin: PluginDefinition<ForwardOptions> = {
  name: 'forward',
  // Several `forward` lines chain: CoreDNS hands a query to the next one on `next` RCODEs.
  once: false,
  parse: parseForward,
  setup(options, context) {
    // The block's forward lines are set up one after the other, so the place holds across the lookup.
    const place = ((context.shared.get(SHARED_KEY) as Forward[] | undefined) ?? []).length;
    if (!hasHostNames(options.to)) return install(options, context, place);
    return resolvedUpstreams(options, context.threads, place).then((upstreams) => install({ ...options, upstreams }, context, place));
  },
};
