import type { ClusterView } from '../../cluster/types.ts';

/** Who a client address is in the cluster; null where the cluster does not say. */
export interface ClientIdentity {
  readonly namespace: string | null;
  readonly pod: string | null;
}

const NOBODY: ClientIdentity = { namespace: null, pod: null };

/**
 * The pod at `ip`, from the watch cache: its pods (watched with `pods verified`, or read from
 * manifests), else the EndpointSlices listing the address (a pod behind a service: its namespace,
 * and its name where the slice keeps the target reference, as with `endpoint_pod_names`).
 * Addresses several pods share (hostNetwork pods on one node) name no single pod, only the
 * namespace when they all live in one.
 */
export function identify(views: Iterable<ClusterView>, ip: string): ClientIdentity {
  for (const view of views) {
    const pods = view.podsByIP(ip);
    if (pods.length === 1) return { namespace: pods[0]!.namespace, pod: pods[0]!.name };
    if (pods.length > 1) return { namespace: sole(pods.map((pod) => pod.namespace)), pod: null };
    for (const slice of view.endpointSlicesByIP(ip)) {
      const endpoint = slice.endpoints.find((candidate) => candidate.addresses.includes(ip));
      const target = endpoint?.targetRef;
      if (target?.kind === 'Pod') return { namespace: target.namespace || slice.namespace, pod: target.name };
      return { namespace: slice.namespace, pod: null };
    }
  }
  return NOBODY;
}

function sole(values: readonly string[]): string | null {
  return values.every((value) => value === values[0]) ? values[0]! : null;
}
