import type { ObjectKind } from '../../src/cluster/types.ts';
import { encodeObject, type EncodedObject } from './encoding.ts';

/** An API object as JSON: only the metadata the server itself reads is typed. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly resourceVersion?: string;
    readonly [field: string]: unknown;
  };
  readonly [field: string]: unknown;
}

export interface KindInfo {
  readonly kind: string;
  readonly listKind: string;
  readonly apiVersion: string;
  readonly namespaced: boolean;
  /** A custom resource: the API server serves it as JSON whatever the client prefers. */
  readonly jsonOnly?: boolean;
}

/** What a watch ERROR event carries. */
export const STATUS_KIND: KindInfo = { kind: 'Status', listKind: 'StatusList', apiVersion: 'v1', namespaced: false };

export const KINDS: Readonly<Record<ObjectKind, KindInfo>> = {
  service: { kind: 'Service', listKind: 'ServiceList', apiVersion: 'v1', namespaced: true },
  endpointslice: {
    kind: 'EndpointSlice',
    listKind: 'EndpointSliceList',
    apiVersion: 'discovery.k8s.io/v1',
    namespaced: true,
  },
  pod: { kind: 'Pod', listKind: 'PodList', apiVersion: 'v1', namespaced: true },
  namespace: { kind: 'Namespace', listKind: 'NamespaceList', apiVersion: 'v1', namespaced: false },
  serviceimport: { kind: 'ServiceImport', listKind: 'ServiceImportList', apiVersion: 'multicluster.x-k8s.io/v1alpha1', namespaced: true, jsonOnly: true },
};

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** An object as stored, with its encodings made once, as the API server's watch cache keeps them. */
export interface StoredObject {
  readonly object: KubeObject;
  readonly encoded: EncodedObject;
}

export interface StoredEvent extends StoredObject {
  readonly rv: number;
  readonly kind: ObjectKind;
  readonly type: EventType;
  /** The object before a MODIFIED, so a filtered watch can tell "left the selection" from "changed". */
  readonly previous?: KubeObject;
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/**
 * The fake's etcd and watch cache: objects per kind, each with its serialized forms, one
 * resourceVersion counter shared by all kinds (as etcd's revision is), and a bounded event history
 * that watches resume from.
 */
export class ObjectStore {
  readonly #objects = new Map<ObjectKind, Map<string, StoredObject>>();
  readonly #history: StoredEvent[] = [];
  readonly #historyLimit: number;
  /** Whether objects are also encoded as protobuf (which fails loudly for a field the schema lacks). */
  readonly #protobuf: boolean;
  #rv: number;
  /** Events at or below this revision are gone: a watch must start at or above it. */
  #compactedRv: number;
  #uid = 0;

  constructor(options: { historyLimit: number; protobuf: boolean; initialRv?: number }) {
    this.#historyLimit = options.historyLimit;
    this.#protobuf = options.protobuf;
    this.#rv = options.initialRv ?? 1000;
    this.#compactedRv = this.#rv;
    for (const kind of Object.keys(KINDS) as ObjectKind[]) this.#objects.set(kind, new Map());
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  get compactedRv(): number {
    return this.#compactedRv;
  }

  /** Current objects of a kind, sorted by namespace/name as etcd's key order lists them. */
  list(kind: ObjectKind): StoredObject[] {
    const objects = this.#byKind(kind);
    return [...objects.keys()].sort().map((key) => objects.get(key) as StoredObject);
  }

  get(kind: ObjectKind, namespace: string, name: string): KubeObject | undefined {
    return this.#byKind(kind).get(`${KINDS[kind].namespaced ? namespace : ''}/${name}`)?.object;
  }

  /** Encodes an object that is not stored (a bookmark, an error, a DELETED made up for a selector). */
  encode(info: KindInfo, object: Readonly<Record<string, unknown>>): EncodedObject {
    return encodeObject(info, object, this.#protobuf);
  }

  /**
   * Creates or replaces an object; returns the stored event. The store keeps a copy, unless
   * `adopt`: then it keeps (and freezes) `input` itself, which the caller must not change after —
   * for seeding many objects, where the two deep copies cost more than building them.
   */
  upsert(kind: ObjectKind, input: KubeObject, adopt = false): StoredEvent {
    const info = KINDS[kind];
    const objects = this.#byKind(kind);
    const namespace = info.namespaced ? (input.metadata.namespace ?? 'default') : undefined;
    const probe = { ...input, metadata: { ...input.metadata, namespace } } as KubeObject;
    const previous = objects.get(keyOf(probe))?.object;
    const rv = this.#rv + 1;
    const metadata: Record<string, unknown> = {
      ...(adopt ? input.metadata : structuredClone(input.metadata)),
      resourceVersion: String(rv),
      uid: previous?.metadata['uid'] ?? `uid-${++this.#uid}`,
      creationTimestamp: previous?.metadata['creationTimestamp'] ?? new Date().toISOString(),
    };
    if (namespace === undefined) delete metadata['namespace'];
    else metadata['namespace'] = namespace;
    const object = deepFreeze({
      ...(adopt ? input : structuredClone(input)),
      apiVersion: info.apiVersion,
      kind: info.kind,
      metadata,
    }) as KubeObject;
    // Encoded before anything changes: an object the fake cannot serve is refused where it is given.
    const stored: StoredObject = { object, encoded: encodeObject(info, object, this.#protobuf) };
    this.#rv = rv;
    objects.set(keyOf(object), stored);
    return this.#record({ rv, kind, type: previous ? 'MODIFIED' : 'ADDED', ...stored, ...(previous ? { previous } : {}) });
  }

  /** Deletes an object; returns the event, or undefined when there was nothing to delete. */
  remove(kind: ObjectKind, namespace: string, name: string): StoredEvent | undefined {
    const objects = this.#byKind(kind);
    const key = `${KINDS[kind].namespaced ? namespace : ''}/${name}`;
    const previous = objects.get(key)?.object;
    if (!previous) return undefined;
    objects.delete(key);
    const rv = ++this.#rv;
    // A DELETED event carries the last state with the deletion's revision, as the API server sends it.
    const object = deepFreeze({
      ...previous,
      metadata: { ...previous.metadata, resourceVersion: String(rv) },
    }) as KubeObject;
    return this.#record({ rv, kind, type: 'DELETED', object, encoded: encodeObject(KINDS[kind], object, this.#protobuf) });
  }

  /** Events of a kind after `rv`, or null when the history no longer reaches back that far. */
  eventsSince(kind: ObjectKind, rv: number): StoredEvent[] | null {
    if (rv < this.#compactedRv) return null;
    return this.#history.filter((event) => event.rv > rv && event.kind === kind);
  }

  /** Forgets all history, as an etcd compaction does. */
  compact(): void {
    this.#history.length = 0;
    this.#compactedRv = this.#rv;
  }

  #record(event: StoredEvent): StoredEvent {
    this.#history.push(event);
    if (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.splice(0, this.#history.length - this.#historyLimit);
      this.#compactedRv = (dropped[dropped.length - 1] as StoredEvent).rv;
    }
    return event;
  }

  #byKind(kind: ObjectKind): Map<string, StoredObject> {
    return this.#objects.get(kind) as Map<string, StoredObject>;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
