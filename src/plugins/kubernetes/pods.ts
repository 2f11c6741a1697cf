import type { ClusterView } from '../../cluster/types.ts';
import { podLookupOffer, type PodLookup } from '../../toolkit/offers.ts';
import type { SetupContext } from '../../toolkit/types.ts';
import type { KubernetesOptions } from './options.ts';
import { watchesPods } from './watch-pods.ts';

/** What the main thread serves its workers: the namespace of a client address. */
export const POD_NAMESPACE = 'pod-namespace';

/** How long a worker trusts what the main thread said of an address: a pod's IP is seldom reused sooner. */
const WORKER_ANSWER_MS = 10_000;
/** Addresses a worker remembers; past it, it starts again (clients are pods: far above a node's). */
const MAX_WORKER_ADDRESSES = 10_000;
/** Questions a worker has out at once: a flood of new sources waits for answers rather than piling up calls. */
const MAX_WORKER_QUESTIONS = 1_000;

/** Pods are in the store when the API watch takes them (`pods verified`, or for `top`) or from manifests, which always hold them. */
function knowsPods(options: KubernetesOptions, context: SetupContext): boolean {
  return options.manifests.length > 0 || watchesPods(options, context);
}

/** The one namespace of the pods with `ip` (status.podIPs); null for none, or for several (host network). */
export function namespaceOf(view: ClusterView, ip: string): string | null {
  let namespace: string | null = null;
  for (const pod of view.podsByIP(ip)) {
    if (namespace !== null && pod.namespace !== namespace) return null;
    namespace = pod.namespace;
  }
  return namespace;
}

/** On the main thread: offers the lookup from the store, and answers the workers' questions with it. */
export function offerPodLookup(context: SetupContext, options: KubernetesOptions, view: ClusterView): void {
  if (!knowsPods(options, context)) return;
  podLookupOffer.give(context, { namespaceOf: (ip) => namespaceOf(view, ip) });
  if (context.threads.threads > 1) context.threads.serve(POD_NAMESPACE, (ip) => namespaceOf(view, ip as string));
}

interface Known {
  readonly namespace: string | null;
  readonly until: number;
}

/**
 * On a worker: a lookup that must answer at once, so it answers from what the main thread said,
 * and asks it in the background about an address it has not heard of (null meanwhile).
 */
export function offerWorkerPodLookup(context: SetupContext, options: KubernetesOptions, now: () => number = () => performance.now()): void {
  if (!knowsPods(options, context)) return;
  const link = context.threads;
  const known = new Map<string, Known>();
  const asking = new Set<string>();
  const ask = (ip: string): void => {
    asking.add(ip);
    const learn = (namespace: string | null): void => {
      asking.delete(ip);
      if (known.size >= MAX_WORKER_ADDRESSES) known.clear();
      known.set(ip, { namespace, until: now() + WORKER_ANSWER_MS });
    };
    link.call(POD_NAMESPACE, ip).then(
      (namespace) => learn(namespace as string | null),
      () => learn(null),
    );
  };
  const lookup: PodLookup = {
    namespaceOf: (ip) => {
      const entry = known.get(ip);
      if ((entry === undefined || entry.until <= now()) && !asking.has(ip) && asking.size < MAX_WORKER_QUESTIONS) ask(ip);
      return entry?.namespace ?? null;
    },
  };
  podLookupOffer.give(context, lookup);
}
