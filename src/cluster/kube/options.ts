import type { Logger } from '../../log.ts';

/** Where the API is and how to authenticate, as CoreDNS's `endpoint`, `tls` and `kubeconfig` options say. */
export interface KubeConnectionOptions {
  /** `kubeconfig PATH [CONTEXT]`; takes precedence over `endpoint`, as in CoreDNS. */
  readonly kubeconfig?: { readonly path: string; readonly context?: string };
  /** `endpoint URL`: the API server, without credentials unless `tls` gives a client certificate. */
  readonly endpoint?: string;
  /** `tls CERT KEY CACERT`: files for a client certificate and the CA that signed the API server's. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
  /**
   * Where the in-cluster defaults come from; tests point these elsewhere. Defaults: the service
   * account directory `/var/run/secrets/kubernetes.io/serviceaccount` and the
   * KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT environment variables.
   */
  readonly inCluster?: {
    readonly serviceAccountDir?: string;
    readonly host?: string;
    readonly port?: string;
  };
  /**
   * How long a token read from a file (the service account's, a kubeconfig `tokenFile`) is used
   * before the file is read again; default 60 s, as client-go. Tests shorten it.
   */
  readonly tokenFileRefreshMs?: number;
}

export interface KubeApiOptions {
  readonly connection: KubeConnectionOptions;
  /** CoreDNS `labels`: passed to the API for Services, EndpointSlices and Pods. */
  readonly labelSelector?: string;
  /** CoreDNS `namespace_labels`: passed to the API for Namespaces. */
  readonly namespaceLabelSelector?: string;
  /** CoreDNS `namespaces`: Services and EndpointSlices elsewhere are dropped on arrival. */
  readonly namespaces?: readonly string[];
  readonly watchPods: boolean;
  readonly watchNamespaces: boolean;
  /** CoreDNS `endpoint_pod_names`: endpoints keep the name of their pod. */
  readonly endpointPodNames?: boolean;
  /** False for CoreDNS `noendpoints`; default true. */
  readonly watchEndpointSlices?: boolean;
  /** CoreDNS `multicluster`: ServiceImports too (a custom resource, served as JSON). */
  readonly watchServiceImports?: boolean;
  readonly logger: Logger;
  /** Retry delays: jittered, doubling from initialMs up to maxMs (defaults 800 ms and 30 s). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** A request or watch that hears nothing (no event, no bookmark) this long is restarted (default 5 min). */
  readonly idleTimeoutMs?: number;
  /** Objects per list page (default 500). */
  readonly pageSize?: number;
}
