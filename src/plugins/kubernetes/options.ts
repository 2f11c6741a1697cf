import type { Selector } from '../../cluster/selector.ts';
import type { DomainName } from '../../dns/types.ts';

export type PodMode = 'disabled' | 'insecure' | 'verified';

/** What the answer logic reads: the parts of the configuration that shape answers. */
export interface AnswerOptions {
  /** The zones this plugin is authoritative for, normalized. */
  readonly zones: readonly DomainName[];
  /** The first zone that is not a reverse zone: PTR targets live there. */
  readonly primaryZone: DomainName;
  /** `namespaces`: when not empty, only these namespaces are exposed. */
  readonly namespaces: ReadonlySet<string>;
  /** `labels`: only services, EndpointSlices and pods matching it exist for this plugin. */
  readonly labels: Selector | null;
  /** `namespace_labels`: only namespaces matching it exist for this plugin. */
  readonly namespaceLabels: Selector | null;
  readonly pods: PodMode;
  /** `endpoint_pod_names`: name endpoints after their pod when they have no hostname. */
  readonly endpointPodNames: boolean;
  /** `zonal`: `<topology zone>.pin|prefer._zone.<service>.<namespace>.svc.<zone>` names for headless services. */
  readonly zonal: boolean;
  /** `multicluster ZONES...`: zones answered from ServiceImports (the Multi-Cluster Services API). */
  readonly multicluster: readonly DomainName[];
  readonly ttl: number;
  /** `noendpoints`: EndpointSlices are not watched, so they never answer. */
  readonly noEndpoints: boolean;
  /** `ignore empty_service`: a ClusterIP service without ready endpoints is NXDOMAIN. */
  readonly ignoreEmptyService: boolean;
  /** Zones where a name error passes to the next plugin; null when `fallthrough` is absent. */
  readonly fallthrough: readonly DomainName[] | null;
  /**
   * The addresses this server is reachable at, used as CoreDNS uses its bound addresses to find
   * its own Service for NS answers.
   */
  readonly localIPs: readonly string[];
}

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface Kubeconfig {
  readonly path: string;
  readonly context: string | null;
}

/** The `kubernetes` directive, parsed. */
export interface KubernetesOptions extends Omit<AnswerOptions, 'localIPs' | 'primaryZone'> {
  /**
   * Null while `zones` is empty, which means the server block's zones: a directive does not see
   * them when parsed, setup resolves them (see resolveZones).
   */
  readonly primaryZone: DomainName | null;
  /** Where the directive was written, for messages. */
  readonly file: string;
  readonly line: number;
  /** `endpoint URL`: the API server; CoreDNS only ever uses the first one given. */
  readonly endpoint: string | null;
  readonly tls: TlsFiles | null;
  readonly kubeconfig: Kubeconfig | null;
  readonly startupTimeoutMs: number;
  /** `apiserver_qps`, `apiserver_burst`, `apiserver_max_inflight`: client throttling for the API source. */
  readonly apiserverQps: number | null;
  readonly apiserverBurst: number | null;
  readonly apiserverMaxInflight: number | null;
  /** clusterdns's own `manifests PATH...`: read the cluster from YAML/JSON files instead of an API server. */
  readonly manifests: readonly string[];
  /** Self-contained mode only (`manifests`): how the embedded controller allocates and probes. */
  readonly selfContained: SelfContainedOptions;
}

export interface SelfContainedOptions {
  /** `service_cidr CIDR...`: where Services without a clusterIP get one; null for the controller's default. */
  readonly serviceCIDRs: readonly string[] | null;
  /** `node_port_range MIN-MAX`; null for 30000-32767. */
  readonly nodePortRange: readonly [number, number] | null;
  /** `readiness_probes`: run pods' readiness probes and let them decide readiness. */
  readonly readinessProbes: boolean;
}

export const DEFAULT_TTL = 5;
export const MAX_TTL = 3600;
export const DEFAULT_STARTUP_TIMEOUT_MS = 5000;
