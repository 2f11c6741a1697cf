import type { ClusterView, Endpoint, EndpointSlice, Pod, Service } from '../../cluster/types.ts';
import type { AnswerOptions } from './options.ts';

/**
 * What of the cluster this plugin instance may see, as CoreDNS's informers and namespace checks
 * decide it: `labels` filters services, EndpointSlices and pods, `namespace_labels` filters
 * namespaces, `noendpoints` hides EndpointSlices, and `namespaces` limits the exposed ones.
 */

/** CoreDNS's namespaceExposed: listed by `namespaces` (when given) and existing (after `namespace_labels`). */
export function namespaceExposed(view: ClusterView, options: AnswerOptions, name: string): boolean {
  if (options.namespaces.size > 0 && !options.namespaces.has(name)) return false;
  const namespace = view.namespace(name);
  if (namespace === undefined) return false;
  return options.namespaceLabels === null || options.namespaceLabels.matches(namespace.labels);
}

export function visibleService(view: ClusterView, options: AnswerOptions, namespace: string, name: string): Service | undefined {
  const service = view.service(namespace, name);
  if (service === undefined) return undefined;
  return options.labels === null || options.labels.matches(service.labels) ? service : undefined;
}

/**
 * Whether a slice answers at all. FQDN slices are skipped: CoreDNS would serve their hostnames
 * as if they were addresses, which no controller relies on.
 */
export function visibleSlice(options: AnswerOptions, slice: EndpointSlice): boolean {
  if (options.noEndpoints || slice.addressType === 'FQDN' || slice.serviceName === '') return false;
  return options.labels === null || options.labels.matches(slice.labels);
}

/** The slices of a service that may answer. */
export function serviceSlices(view: ClusterView, options: AnswerOptions, namespace: string, name: string): readonly EndpointSlice[] {
  if (options.noEndpoints) return [];
  const slices = view.endpointSlices(namespace, name);
  for (const slice of slices) {
    if (!visibleSlice(options, slice)) return slices.filter((s) => visibleSlice(options, s));
  }
  return slices;
}

/**
 * CoreDNS publishes the endpoints whose `ready` condition holds (an absent condition reads as
 * ready); serving and terminating play no part. The EndpointSlice controller already marks
 * not-ready endpoints of a publishNotReadyAddresses service ready.
 */
export function endpointReady(endpoint: Endpoint): boolean {
  return endpoint.conditions.ready;
}

/** Pods CoreDNS's pod informer keeps: running or pending, not being deleted, matching `labels`. */
export function visiblePod(options: AnswerOptions, pod: Pod): boolean {
  if (pod.terminating || pod.phase === 'Succeeded' || pod.phase === 'Failed' || pod.phase === 'Unknown') return false;
  return options.labels === null || options.labels.matches(pod.labels);
}
