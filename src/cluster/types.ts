/**
 * The cluster as DNS and the service proxy see it: only the fields they need, never whole API
 * objects. Every source (manifests, the API watch) reduces its objects to these shapes.
 */

export type Labels = Readonly<Record<string, string>>;
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type IPFamily = 'IPv4' | 'IPv6';

export interface ServicePort {
  /** '' for the single unnamed port a Service may have. */
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** A number, or a container port name to look up in each pod; absent means `port`. */
  readonly targetPort?: number | string;
  readonly nodePort?: number;
}

export interface Service {
  readonly namespace: string;
  readonly name: string;
  readonly type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  /** Allocated addresses, IPv4 and/or IPv6; empty for headless and ExternalName services. */
  readonly clusterIPs: readonly string[];
  /** `clusterIP: None`. */
  readonly headless: boolean;
  readonly externalName?: string;
  readonly externalIPs: readonly string[];
  /** `status.loadBalancer.ingress`: each point's IP, or its hostname (lower-cased) when it has none. */
  readonly loadBalancerIngress: readonly string[];
  readonly ports: readonly ServicePort[];
  /** null when the Service has no selector (its EndpointSlices are managed by someone else). */
  readonly selector: Labels | null;
  readonly publishNotReadyAddresses: boolean;
  readonly sessionAffinity: 'None' | 'ClientIP';
  readonly sessionAffinityTimeoutSeconds: number;
  readonly labels: Labels;
}

export interface EndpointConditions {
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

export interface ObjectReference {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface Endpoint {
  readonly addresses: readonly string[];
  readonly conditions: EndpointConditions;
  readonly hostname?: string;
  readonly nodeName?: string;
  readonly zone?: string;
  readonly targetRef?: ObjectReference;
}

export interface EndpointPort {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
}

export interface EndpointSlice {
  readonly namespace: string;
  readonly name: string;
  /** From the `kubernetes.io/service-name` label; '' when the slice belongs to no service. */
  readonly serviceName: string;
  readonly addressType: IPFamily | 'FQDN';
  readonly endpoints: readonly Endpoint[];
  readonly ports: readonly EndpointPort[];
  readonly labels: Labels;
  /** `endpoints.kubernetes.io/last-change-trigger-time`, in ms since the epoch. */
  readonly lastChangeTriggerTime?: number;
  /** A clusterset's slice: the ServiceImport (`multicluster.kubernetes.io/service-name`) and its source cluster. */
  readonly multiCluster?: { readonly serviceName: string; readonly clusterId: string };
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

export type ProbeAction =
  | { readonly kind: 'tcpSocket'; readonly port: number | string; readonly host?: string }
  | {
      readonly kind: 'httpGet';
      readonly port: number | string;
      readonly path: string;
      readonly scheme: 'HTTP' | 'HTTPS';
      readonly host?: string;
    }
  | { readonly kind: 'exec'; readonly command: readonly string[] };

export interface ReadinessProbe {
  readonly action: ProbeAction;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

export interface Pod {
  readonly namespace: string;
  readonly name: string;
  /** status.podIPs (IPv4 and/or IPv6); empty until the pod has an address. */
  readonly ips: readonly string[];
  readonly labels: Labels;
  readonly hostname?: string;
  readonly subdomain?: string;
  readonly nodeName?: string;
  readonly phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  /** The Ready condition. */
  readonly ready: boolean;
  readonly terminating: boolean;
  readonly containerPorts: readonly ContainerPort[];
  readonly readinessProbe?: ReadinessProbe;
}

export interface Namespace {
  readonly name: string;
  readonly labels: Labels;
}

/** Everything a source knows, as one value; sources hand the store whole states or single changes. */
export interface ClusterState {
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly pods: readonly Pod[];
  readonly namespaces: readonly Namespace[];
  readonly serviceImports: readonly ServiceImport[];
}

export type ObjectKind = 'service' | 'endpointslice' | 'pod' | 'namespace' | 'serviceimport';

/** A Multi-Cluster Services API ServiceImport (multicluster.x-k8s.io): a service of the clusterset. */
export interface ServiceImport {
  readonly namespace: string;
  readonly name: string;
  readonly type: 'ClusterSetIP' | 'Headless';
  /** The clusterset IPs of a ClusterSetIP import. */
  readonly ips: readonly string[];
  readonly ports: readonly ServicePort[];
}

/** `namespace/name`, or `name` for namespaces. */
export type ObjectKey = string;

/** An EndpointSlice change the endpoints controller stamped with the time of the change that caused it. */
export interface SliceTrigger {
  /** `namespace/name` of the slice's service. */
  readonly service: ObjectKey;
  /** ms since the epoch. */
  readonly triggerTime: number;
}

/** What one store transaction changed; listeners use it to rebuild only what it touched. */
export interface StoreChange {
  /** Keys (`namespace/name`) of services whose Service, ServiceImport or EndpointSlices changed. */
  readonly services: ReadonlySet<ObjectKey>;
  readonly podsChanged: boolean;
  readonly namespacesChanged: boolean;
  /** EndpointSlices this change applied that carry a last-change trigger time, for programming latency. */
  readonly triggers: readonly SliceTrigger[];
}

/** Read side of the watch cache. Lookups are O(1) and allocate nothing. */
export interface ClusterView {
  service(namespace: string, name: string): Service | undefined;
  services(): Iterable<Service>;
  /** The EndpointSlices whose `kubernetes.io/service-name` is this service. */
  endpointSlices(namespace: string, serviceName: string): readonly EndpointSlice[];
  serviceImport(namespace: string, name: string): ServiceImport | undefined;
  serviceImports(): Iterable<ServiceImport>;
  /** The EndpointSlices whose `multicluster.kubernetes.io/service-name` is this ServiceImport. */
  multiClusterSlices(namespace: string, serviceName: string): readonly EndpointSlice[];
  pod(namespace: string, name: string): Pod | undefined;
  pods(): Iterable<Pod>;
  /** Pods having this IP, for `pods verified` and autopath. */
  podsByIP(ip: string): readonly Pod[];
  /** Services whose cluster IPs include this IP, for PTR. */
  servicesByClusterIP(ip: string): readonly Service[];
  /** EndpointSlices with an endpoint having this IP, for PTR. */
  endpointSlicesByIP(ip: string): readonly EndpointSlice[];
  namespace(name: string): Namespace | undefined;
  namespaces(): Iterable<Namespace>;
  /** True once every source has delivered its first full state. */
  readonly synced: boolean;
  /** Unix seconds of the last change, CoreDNS's SOA serial. */
  readonly modified: number;
  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe(listener: (change: StoreChange) => void): () => void;
}

/** Write side of the watch cache, used by sources. Every call is one atomic transaction. */
export interface ClusterWriter {
  /** Replaces everything of these kinds (a relist, a manifest reload) without a moment of emptiness. */
  replace(state: Partial<ClusterState>): void;
  upsert(kind: 'service', object: Service): void;
  upsert(kind: 'endpointslice', object: EndpointSlice): void;
  upsert(kind: 'pod', object: Pod): void;
  upsert(kind: 'namespace', object: Namespace): void;
  upsert(kind: 'serviceimport', object: ServiceImport): void;
  remove(kind: ObjectKind, key: ObjectKey): void;
  markSynced(): void;
}

/** Feeds a store and keeps feeding it until stopped. */
export interface ClusterSource {
  readonly name: string;
  start(writer: ClusterWriter): Promise<void>;
  stop(): Promise<void>;
}
