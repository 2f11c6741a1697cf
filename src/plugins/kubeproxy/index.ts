import type { ClusterView } from '../../cluster/types.ts';
import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { ServiceProxy } from '../../proxy/index.ts';
import { type KubeproxyOptions, parseKubeproxy } from './parse.ts';

export type { KubeproxyOptions } from './parse.ts';

/** Where the kubernetes plugin publishes its cluster view (SetupContext.shared). */
const CLUSTER_KEY = 'cluster';
/** Where this plugin publishes its proxy, for the metrics of its counters. */
export const SHARED_PROXY_KEY = 'kubeproxy';

/** The kubernetes plugin of the same block is missing, so there is nothing to proxy. */
export class KubeproxySetupError extends Error {
  override readonly name = 'KubeproxySetupError';
  /** The zones of the server block at fault. */
  readonly zones: readonly string[];

  constructor(zones: readonly string[], problem: string) {
    super(problem);
    this.zones = zones;
  }
}

function isClusterView(value: unknown): value is ClusterView {
  return typeof value === 'object' && value !== null && typeof (value as ClusterView).subscribe === 'function';
}

export function setupKubeproxy(options: KubeproxyOptions, context: SetupContext): PluginInstance {
  const view = context.shared.get(CLUSTER_KEY);
  if (!isClusterView(view)) {
    throw new KubeproxySetupError(context.zones, 'no kubernetes plugin in this server block: kubeproxy proxies the services it serves');
  }
  const proxy = new ServiceProxy({
    view,
    logger: context.logger,
    ...(options.nodeAddress === null ? {} : { nodeAddress: options.nodeAddress }),
    scheduler: options.scheduler,
    udpIdleTimeoutMs: options.udpIdleTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
  });
  context.shared.set(SHARED_PROXY_KEY, proxy);
  context.onShutdown(() => proxy.stop());
  return { start: () => proxy.start() };
}

/**
 * `kubeproxy`: a userspace service proxy on this host for the services of the block's kubernetes
 * plugin. It answers no queries; it only relays connections.
 */
export const kubeproxyPlugin: PluginDefinition<KubeproxyOptions> = {
  name: 'kubeproxy',
  once: true,
  parse: parseKubeproxy,
  setup: setupKubeproxy,
};
