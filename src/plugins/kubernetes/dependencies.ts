import type { ClusterView, EndpointSlice, Namespace, Pod, Service, ServiceImport, StoreChange } from '../../cluster/types.ts';

/*
 * What an answer was computed from, so that a memoized answer is dropped exactly when a store
 * change touches it. Namespaces have no key: a namespace change drops everything.
 */

/** The Service or the EndpointSlices of one service (`namespace/name`, as StoreChange.services). */
export function serviceDependency(namespace: string, name: string): string {
  return serviceKeyDependency(`${namespace}/${name}`);
}

function serviceKeyDependency(key: string): string {
  return `svc ${key}`;
}
/** Lookups by address (PTR, the server's own endpoints for NS): any service change may alter them. */
export const ANY_SERVICE = 'any service';
export const PODS = 'pods';
/** The store's `modified` (the SOA serial): every change alters it. */
export const ANY_CHANGE = 'any change';
/**
 * Noted for `cache` (changes.ts) by an answer that read nothing a key names (a namespace alone, or
 * only the name's shape): no change names it, but one that drops everything drops it too.
 */
export const WHOLE_CLUSTER = 'cluster';

/** The dependency keys a store change invalidates; null when everything must go. */
export function changedDependencies(change: StoreChange): string[] | null {
  if (change.namespacesChanged) return null;
  const keys = [ANY_CHANGE];
  if (change.podsChanged) keys.push(PODS);
  if (change.services.size > 0) keys.push(ANY_SERVICE);
  for (const key of change.services) keys.push(serviceKeyDependency(key));
  return keys;
}

/** A view that notes which dependency keys the reads made through it touch. */
export class RecordingView implements ClusterView {
  readonly dependencies: Set<string>;
  readonly #inner: ClusterView;

  /** Notes into `dependencies` when given (adding to what it holds), else into a set of its own. */
  constructor(inner: ClusterView, dependencies = new Set<string>()) {
    this.#inner = inner;
    this.dependencies = dependencies;
  }

  service(namespace: string, name: string): Service | undefined {
    this.dependencies.add(serviceDependency(namespace, name));
    return this.#inner.service(namespace, name);
  }

  services(): Iterable<Service> {
    this.dependencies.add(ANY_SERVICE);
    return this.#inner.services();
  }

  endpointSlices(namespace: string, serviceName: string): readonly EndpointSlice[] {
    this.dependencies.add(serviceDependency(namespace, serviceName));
    return this.#inner.endpointSlices(namespace, serviceName);
  }

  serviceImport(namespace: string, name: string): ServiceImport | undefined {
    this.dependencies.add(serviceDependency(namespace, name));
    return this.#inner.serviceImport(namespace, name);
  }

  serviceImports(): Iterable<ServiceImport> {
    this.dependencies.add(ANY_SERVICE);
    return this.#inner.serviceImports();
  }

  multiClusterSlices(namespace: string, serviceName: string): readonly EndpointSlice[] {
    this.dependencies.add(serviceDependency(namespace, serviceName));
    return this.#inner.multiClusterSlices(namespace, serviceName);
  }

  pod(namespace: string, name: string): Pod | undefined {
    this.dependencies.add(PODS);
    return this.#inner.pod(namespace, name);
  }

  pods(): Iterable<Pod> {
    this.dependencies.add(PODS);
    return this.#inner.pods();
  }

  podsByIP(ip: string): readonly Pod[] {
    this.dependencies.add(PODS);
    return this.#inner.podsByIP(ip);
  }

  servicesByClusterIP(ip: string): readonly Service[] {
    this.dependencies.add(ANY_SERVICE);
    return this.#inner.servicesByClusterIP(ip);
  }

  endpointSlicesByIP(ip: string): readonly EndpointSlice[] {
    this.dependencies.add(ANY_SERVICE);
    return this.#inner.endpointSlicesByIP(ip);
  }

  namespace(name: string): Namespace | undefined {
    return this.#inner.namespace(name);
  }

  namespaces(): Iterable<Namespace> {
    return this.#inner.namespaces();
  }

  get synced(): boolean {
    return this.#inner.synced;
  }

  get modified(): number {
    this.dependencies.add(ANY_CHANGE);
    return this.#inner.modified;
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    return this.#inner.subscribe(listener);
  }
}
