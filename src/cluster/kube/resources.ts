import { toEndpointSlice, toNamespace, toPod, toService, toServiceImport, type Retention } from '../convert.ts';
import { ListPool, StringPool } from '../strings.ts';
import type { ClusterWriter, EndpointSlice, Namespace, ObjectKey, ObjectKind, Pod, Service, ServiceImport } from '../types.ts';

/** One watched resource type: where it lives, how it becomes a store shape, how it enters the store. */
export interface ResourceType<T> {
  readonly kind: ObjectKind;
  /** The resource's plural name, for logs. */
  readonly resource: string;
  /** The cluster-wide collection path. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  convert(object: unknown): T;
  keyOf(object: T): ObjectKey;
  /** Whether the store wants this object at all (CoreDNS `namespaces`). */
  keep(object: T): boolean;
  /** Swaps in the whole set of this kind, atomically. */
  replace(writer: ClusterWriter, objects: readonly T[]): void;
  upsert(writer: ClusterWriter, object: T): void;
}

export interface ResourceSelection {
  readonly labelSelector?: string;
  readonly namespaceLabelSelector?: string;
  readonly namespaces?: readonly string[];
  /** CoreDNS `endpoint_pod_names`: endpoints keep their target references. */
  readonly endpointPodNames?: boolean;
}

/**
 * What the store keeps of API objects: what answers read, with strings shared across every type
 * (a slice names its service, an endpoint its pod's namespace). Labels only when `labels` filters
 * by them; the API has applied the selector already, the answers check it again.
 */
export function apiRetention(selection: ResourceSelection): Retention {
  return { labels: selection.labelSelector !== undefined, workloads: false, targetRefs: selection.endpointPodNames ?? false, strings: new StringPool(), lists: new ListPool() };
}

// CoreDNS never watches pods that have finished: they hold no address worth answering with.
const LIVE_PODS = 'status.phase!=Succeeded,status.phase!=Failed,status.phase!=Unknown';

function namespacedKey(object: { namespace: string; name: string }): ObjectKey {
  return `${object.namespace}/${object.name}`;
}

function inNamespaces(namespaces: readonly string[] | undefined): (object: { namespace: string }) => boolean {
  if (!namespaces || namespaces.length === 0) return () => true;
  const allowed = new Set(namespaces);
  return (object) => allowed.has(object.namespace);
}

function selector(text: string | undefined): { labelSelector?: string } {
  return text ? { labelSelector: text } : {};
}

export function serviceType(selection: ResourceSelection, retention = apiRetention(selection)): ResourceType<Service> {
  return {
    kind: 'service',
    resource: 'services',
    path: '/api/v1/services',
    ...selector(selection.labelSelector),
    convert: (object) => toService(object, retention),
    keyOf: namespacedKey,
    keep: inNamespaces(selection.namespaces),
    replace: (writer, services) => writer.replace({ services }),
    upsert: (writer, service) => writer.upsert('service', service),
  };
}

export function endpointSliceType(selection: ResourceSelection, retention = apiRetention(selection)): ResourceType<EndpointSlice> {
  return {
    kind: 'endpointslice',
    resource: 'endpointslices',
    path: '/apis/discovery.k8s.io/v1/endpointslices',
    ...selector(selection.labelSelector),
    convert: (object) => toEndpointSlice(object, retention),
    keyOf: namespacedKey,
    keep: inNamespaces(selection.namespaces),
    replace: (writer, endpointSlices) => writer.replace({ endpointSlices }),
    upsert: (writer, slice) => writer.upsert('endpointslice', slice),
  };
}

export function podType(selection: ResourceSelection, retention = apiRetention(selection)): ResourceType<Pod> {
  return {
    kind: 'pod',
    resource: 'pods',
    path: '/api/v1/pods',
    // As CoreDNS: `labels` selects pods too.
    ...selector(selection.labelSelector),
    fieldSelector: LIVE_PODS,
    convert: (object) => toPod(object, retention),
    keyOf: namespacedKey,
    keep: () => true,
    replace: (writer, pods) => writer.replace({ pods }),
    upsert: (writer, pod) => writer.upsert('pod', pod),
  };
}

export function namespaceType(selection: ResourceSelection, retention = apiRetention(selection)): ResourceType<Namespace> {
  return {
    kind: 'namespace',
    resource: 'namespaces',
    path: '/api/v1/namespaces',
    ...selector(selection.namespaceLabelSelector),
    convert: (object) => toNamespace(object, retention),
    keyOf: (namespace) => namespace.name,
    keep: () => true,
    replace: (writer, namespaces) => writer.replace({ namespaces }),
    upsert: (writer, namespace) => writer.upsert('namespace', namespace),
  };
}

export function serviceImportType(selection: ResourceSelection, retention = apiRetention(selection)): ResourceType<ServiceImport> {
  return {
    kind: 'serviceimport',
    resource: 'serviceimports',
    path: '/apis/multicluster.x-k8s.io/v1alpha1/serviceimports',
    convert: (object) => toServiceImport(object, retention),
    keyOf: namespacedKey,
    keep: inNamespaces(selection.namespaces),
    replace: (writer, serviceImports) => writer.replace({ serviceImports }),
    upsert: (writer, serviceImport) => writer.upsert('serviceimport', serviceImport),
  };
}

/** The store key of a raw API object from its metadata alone (for DELETED events), or null. */
export function rawKey(kind: ObjectKind, object: unknown): ObjectKey | null {
  const metadata = (object as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  if (!metadata || typeof metadata.name !== 'string') return null;
  if (kind === 'namespace') return metadata.name;
  return `${typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : 'default'}/${metadata.name}`;
}
