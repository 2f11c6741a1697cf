import { readFileSync } from 'node:fs';
import type { KubeConnectionOptions } from '../../cluster/kube/index.ts';
import type { ManifestDocuments } from '../../cluster/manifests/index.ts';
import type { ClusterSource, ClusterState, Namespace } from '../../cluster/types.ts';
import type { Logger } from '../../log.ts';
import type { KubernetesOptions, SelfContainedOptions } from './options.ts';

/**
 * The Kubernetes API, reached as CoreDNS reaches it: `kubeconfig`, else `endpoint` (with `tls`),
 * else in-cluster. It watches what the options need, as CoreDNS's informers do: namespaces
 * always, pods for `pods verified` (or `watchPods`), EndpointSlices unless `noendpoints`; `labels` and
 * `namespace_labels` go to the API as selectors. Rejects with KubeConfigError when the connection
 * cannot be worked out (no service account, unreadable kubeconfig).
 *
 * The API source is imported here, not at the top, as self-contained runs never need it. It does
 * not load @kubernetes/client-node (about 85 MB of resident memory) either: only a kubeconfig user
 * with an `exec` plugin or `auth-provider` does, on its first request.
 */
export async function createApiSource(options: KubernetesOptions, logger: Logger, watchPods = options.pods === 'verified'): Promise<ClusterSource> {
  const { KubeApiSource } = await import('../../cluster/kube/index.ts');
  return new KubeApiSource({
    connection: connectionOptions(options),
    ...(options.labels && { labelSelector: options.labels.toString() }),
    ...(options.namespaceLabels && { namespaceLabelSelector: options.namespaceLabels.toString() }),
    ...(options.namespaces.size > 0 && { namespaces: [...options.namespaces] }),
    watchPods,
    watchNamespaces: true,
    watchEndpointSlices: !options.noEndpoints,
    watchServiceImports: options.multicluster.length > 0,
    endpointPodNames: options.endpointPodNames,
    logger,
  });
}

function connectionOptions(options: KubernetesOptions): KubeConnectionOptions {
  return {
    ...(options.kubeconfig && {
      kubeconfig: { path: options.kubeconfig.path, ...(options.kubeconfig.context !== null && { context: options.kubeconfig.context }) },
    }),
    ...(options.endpoint !== null && { endpoint: options.endpoint }),
    ...(options.tls && { tls: options.tls }),
  };
}

/**
 * For `-validate`: a source that checks what the options name and reaches nothing outside the
 * process. Manifests are read, parsed and run through the endpoints controller once (no watch, no
 * readiness probes); a kubeconfig is read and its context resolved, and `tls` files are read
 * (without running an exec credential plugin or calling the API); in-cluster credentials are left
 * to startup, as a CI machine has none.
 */
export async function createCheckingSource(options: KubernetesOptions, logger: Logger): Promise<ClusterSource> {
  if (options.manifests.length > 0) return createManifestSource({ paths: options.manifests }, options.selfContained, logger, { watch: false });
  if (options.kubeconfig || options.endpoint !== null) {
    const { resolveConnection } = await import('../../cluster/kube/index.ts');
    resolveConnection(connectionOptions(options));
    if (options.tls) for (const path of [options.tls.cert, options.tls.key, options.tls.ca]) readFileSync(path);
  }
  return { name: 'validate', start: async (writer) => writer.markSynced(), stop: async () => {} };
}

/**
 * Adds the namespaces that objects live in but no manifest declares, labelled as the API server
 * labels every namespace: an API server never holds an object in a namespace that does not exist,
 * and answers need the namespace to exist.
 */
export function withImplicitNamespaces(state: ClusterState): ClusterState {
  const declared = new Set(state.namespaces.map((namespace) => namespace.name));
  const implied: Namespace[] = [];
  for (const objects of [state.services, state.endpointSlices, state.pods]) {
    for (const { namespace } of objects) {
      if (declared.has(namespace)) continue;
      declared.add(namespace);
      implied.push({ name: namespace, labels: { 'kubernetes.io/metadata.name': namespace } });
    }
  }
  return implied.length === 0 ? state : { ...state, namespaces: [...state.namespaces, ...implied] };
}

/** Where the manifests are: files and directories, or documents held in memory (the programmatic fixture's). */
export type ManifestOrigin = { readonly paths: readonly string[] } | { readonly documents: ManifestDocuments };

/**
 * clusterdns's self-contained mode: the cluster described by manifest files, with cluster IPs
 * allocated and EndpointSlices computed from pods by the embedded endpoints controller, and pod
 * readiness decided by readiness probes when `readiness_probes` asks for it. Imported on demand,
 * as the API source is: a YAML parser, the controller and the prober cost about 15 MB of resident
 * memory that a server reading the API never needs.
 */
export async function createManifestSource(
  origin: ManifestOrigin,
  options: SelfContainedOptions,
  logger: Logger,
  { watch = true, endpointSlices = true }: { watch?: boolean; endpointSlices?: boolean } = {},
): Promise<ClusterSource> {
  const [{ ManifestSource }, { selfContainedTransform }, { ProbingManifestSource }] = await Promise.all([
    import('../../cluster/manifests/index.ts'),
    import('../../controller/index.ts'),
    import('../../prober/index.ts'),
  ]);
  const controller = selfContainedTransform({
    logger,
    ...(options.serviceCIDRs && { serviceCIDRs: options.serviceCIDRs }),
    ...(options.nodePortRange && { nodePortRange: options.nodePortRange }),
    endpointSlices,
  });
  const sourceOptions = { ...origin, logger, watch, transform: (state: ClusterState) => withImplicitNamespaces(controller(state)) };
  return options.readinessProbes && watch ? new ProbingManifestSource(sourceOptions) : new ManifestSource(sourceOptions);
}
