import { isDeepStrictEqual } from 'node:util';
import type {
  ClusterState,
  ClusterView,
  ClusterWriter,
  EndpointSlice,
  Namespace,
  ObjectKey,
  ObjectKind,
  Pod,
  Service,
  SliceTrigger,
  StoreChange,
} from './types.ts';

export type ClusterStore = ClusterView & ClusterWriter;

type Listener = (change: StoreChange) => void;

const EMPTY: readonly never[] = Object.freeze([]);

export function objectKey(namespace: string, name: string): ObjectKey {
  return `${namespace}/${name}`;
}

/** A multimap whose value arrays are replaced, never mutated, so readers may keep what they got. */
class IndexMap<V> {
  readonly #map = new Map<string, readonly V[]>();

  get(key: string): readonly V[] {
    return this.#map.get(key) ?? EMPTY;
  }

  add(key: string, value: V): void {
    const current = this.#map.get(key);
    this.#map.set(key, current ? [...current, value] : [value]);
  }

  delete(key: string, value: V): void {
    const current = this.#map.get(key);
    if (!current) return;
    const next = current.filter((v) => v !== value);
    if (next.length === 0) this.#map.delete(key);
    else this.#map.set(key, next);
  }

  clear(): void {
    this.#map.clear();
  }
}

/** Collects what one transaction touched, then tells listeners once. */
class ChangeSet {
  readonly services = new Set<ObjectKey>();
  podsChanged = false;
  namespacesChanged = false;
  readonly triggers: SliceTrigger[] = [];

  get empty(): boolean {
    return this.services.size === 0 && !this.podsChanged && !this.namespacesChanged;
  }
}

/**
 * The watch cache: the cluster reduced to what DNS and the proxy need, indexed for the lookups
 * answers make. Every write is one transaction; listeners hear about it once, after the indexes
 * are consistent, so an answer built in a listener sees the whole change.
 */
class Store implements ClusterStore {
  readonly #services = new Map<ObjectKey, Service>();
  readonly #slices = new Map<ObjectKey, EndpointSlice>();
  readonly #pods = new Map<ObjectKey, Pod>();
  readonly #namespaces = new Map<string, Namespace>();
  readonly #slicesByService = new IndexMap<EndpointSlice>();
  readonly #servicesByIP = new IndexMap<Service>();
  readonly #slicesByIP = new IndexMap<EndpointSlice>();
  readonly #podsByIP = new IndexMap<Pod>();
  readonly #listeners = new Set<Listener>();
  #synced = false;
  #modified = Math.floor(Date.now() / 1000);

  get synced(): boolean {
    return this.#synced;
  }

  get modified(): number {
    return this.#modified;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.#services.get(objectKey(namespace, name));
  }

  services(): Iterable<Service> {
    return this.#services.values();
  }

  endpointSlices(namespace: string, serviceName: string): readonly EndpointSlice[] {
    return this.#slicesByService.get(objectKey(namespace, serviceName));
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.#pods.get(objectKey(namespace, name));
  }

  pods(): Iterable<Pod> {
    return this.#pods.values();
  }

  podsByIP(ip: string): readonly Pod[] {
    return this.#podsByIP.get(ip);
  }

  servicesByClusterIP(ip: string): readonly Service[] {
    return this.#servicesByIP.get(ip);
  }

  endpointSlicesByIP(ip: string): readonly EndpointSlice[] {
    return this.#slicesByIP.get(ip);
  }

  namespace(name: string): Namespace | undefined {
    return this.#namespaces.get(name);
  }

  namespaces(): Iterable<Namespace> {
    return this.#namespaces.values();
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  replace(state: Partial<ClusterState>): void {
    const changes = new ChangeSet();
    if (state.services) this.#replaceKind(this.#services, state.services, (s) => objectKey(s.namespace, s.name), (old, next) => this.#setService(old, next, changes));
    if (state.endpointSlices) this.#replaceKind(this.#slices, state.endpointSlices, (s) => objectKey(s.namespace, s.name), (old, next) => this.#setSlice(old, next, changes));
    if (state.pods) this.#replaceKind(this.#pods, state.pods, (p) => objectKey(p.namespace, p.name), (old, next) => this.#setPod(old, next, changes));
    if (state.namespaces) this.#replaceKind(this.#namespaces, state.namespaces, (n) => n.name, (old, next) => this.#setNamespace(old, next, changes));
    this.#commit(changes);
  }

  upsert(kind: 'service', object: Service): void;
  upsert(kind: 'endpointslice', object: EndpointSlice): void;
  upsert(kind: 'pod', object: Pod): void;
  upsert(kind: 'namespace', object: Namespace): void;
  upsert(kind: ObjectKind, object: Service | EndpointSlice | Pod | Namespace): void {
    const changes = new ChangeSet();
    switch (kind) {
      case 'service': {
        const service = object as Service;
        const old = this.#services.get(objectKey(service.namespace, service.name));
        if (!isDeepStrictEqual(old, service)) this.#setService(old, service, changes);
        break;
      }
      case 'endpointslice': {
        const slice = object as EndpointSlice;
        const old = this.#slices.get(objectKey(slice.namespace, slice.name));
        if (!isDeepStrictEqual(old, slice)) this.#setSlice(old, slice, changes);
        break;
      }
      case 'pod': {
        const pod = object as Pod;
        const old = this.#pods.get(objectKey(pod.namespace, pod.name));
        if (!isDeepStrictEqual(old, pod)) this.#setPod(old, pod, changes);
        break;
      }
      case 'namespace': {
        const ns = object as Namespace;
        const old = this.#namespaces.get(ns.name);
        if (!isDeepStrictEqual(old, ns)) this.#setNamespace(old, ns, changes);
        break;
      }
    }
    this.#commit(changes);
  }

  remove(kind: ObjectKind, key: ObjectKey): void {
    const changes = new ChangeSet();
    switch (kind) {
      case 'service':
        this.#setService(this.#services.get(key), undefined, changes);
        break;
      case 'endpointslice':
        this.#setSlice(this.#slices.get(key), undefined, changes);
        break;
      case 'pod':
        this.#setPod(this.#pods.get(key), undefined, changes);
        break;
      case 'namespace':
        this.#setNamespace(this.#namespaces.get(key), undefined, changes);
        break;
    }
    this.#commit(changes);
  }

  markSynced(): void {
    this.#synced = true;
  }

  /** Applies a whole new set of one kind, touching only the objects that differ. */
  #replaceKind<T>(
    current: Map<string, T>,
    next: readonly T[],
    keyOf: (object: T) => string,
    set: (old: T | undefined, next: T | undefined) => void,
  ): void {
    const incoming = new Map<string, T>();
    for (const object of next) incoming.set(keyOf(object), object);
    for (const [key, old] of current) {
      if (!incoming.has(key)) set(old, undefined);
    }
    for (const [key, object] of incoming) {
      const old = current.get(key);
      if (!isDeepStrictEqual(old, object)) set(old, object);
    }
  }

  #setService(old: Service | undefined, next: Service | undefined, changes: ChangeSet): void {
    if (!old && !next) return;
    if (old) {
      for (const ip of old.clusterIPs) this.#servicesByIP.delete(ip, old);
      this.#services.delete(objectKey(old.namespace, old.name));
      changes.services.add(objectKey(old.namespace, old.name));
    }
    if (next) {
      const key = objectKey(next.namespace, next.name);
      this.#services.set(key, next);
      for (const ip of next.clusterIPs) this.#servicesByIP.add(ip, next);
      changes.services.add(key);
    }
  }

  #setSlice(old: EndpointSlice | undefined, next: EndpointSlice | undefined, changes: ChangeSet): void {
    if (!old && !next) return;
    if (old) {
      this.#slices.delete(objectKey(old.namespace, old.name));
      if (old.serviceName) {
        this.#slicesByService.delete(objectKey(old.namespace, old.serviceName), old);
        changes.services.add(objectKey(old.namespace, old.serviceName));
      }
      for (const ip of sliceAddresses(old)) this.#slicesByIP.delete(ip, old);
    }
    if (next) {
      this.#slices.set(objectKey(next.namespace, next.name), next);
      if (next.serviceName) {
        this.#slicesByService.add(objectKey(next.namespace, next.serviceName), next);
        changes.services.add(objectKey(next.namespace, next.serviceName));
      }
      for (const ip of sliceAddresses(next)) this.#slicesByIP.add(ip, next);
      if (next.lastChangeTriggerTime !== undefined && next.serviceName) {
        changes.triggers.push({ service: objectKey(next.namespace, next.serviceName), triggerTime: next.lastChangeTriggerTime });
      }
    }
  }

  #setPod(old: Pod | undefined, next: Pod | undefined, changes: ChangeSet): void {
    if (!old && !next) return;
    if (old) {
      this.#pods.delete(objectKey(old.namespace, old.name));
      for (const ip of old.ips) this.#podsByIP.delete(ip, old);
    }
    if (next) {
      this.#pods.set(objectKey(next.namespace, next.name), next);
      for (const ip of next.ips) this.#podsByIP.add(ip, next);
    }
    changes.podsChanged = true;
  }

  #setNamespace(old: Namespace | undefined, next: Namespace | undefined, changes: ChangeSet): void {
    if (!old && !next) return;
    if (old) this.#namespaces.delete(old.name);
    if (next) this.#namespaces.set(next.name, next);
    changes.namespacesChanged = true;
  }

  #commit(changes: ChangeSet): void {
    if (changes.empty) return;
    this.#modified = Math.floor(Date.now() / 1000);
    const change: StoreChange = changes;
    for (const listener of this.#listeners) listener(change);
  }
}

/** Every distinct address of a slice: an IP found in several endpoints is indexed once. */
function sliceAddresses(slice: EndpointSlice): Set<string> {
  const addresses = new Set<string>();
  for (const endpoint of slice.endpoints) for (const address of endpoint.addresses) addresses.add(address);
  return addresses;
}

export function createClusterStore(): ClusterStore {
  return new Store();
}
