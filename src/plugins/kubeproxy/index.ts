import { ServiceProxy } from '../../proxy/index.ts';
import { clusterViewOffer, metricsExporterOffer } from '../../toolkit/offers.ts';
import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { proxyCollector } from './metrics.ts';
import { type KubeproxyOptions, parseKubeproxy } from './parse.ts';

export type { KubeproxyOptions } from './parse.ts';

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

export function setupKubeproxy(options: KubeproxyOptions, context: SetupContext): PluginInstance {
  // One proxy per process, beside the one watch: the main thread's.
  if (context.threads.role === 'worker') return {};
  const view = clusterViewOffer.find(context);
  if (view === undefined) {
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
  context.onShutdown(() => proxy.stop());
  // As CoreDNS's metrics.MustRegister: series only where the block exports metrics (prometheus,
  // set up before this plugin in PLUGIN_ORDER).
  const exporter = metricsExporterOffer.find(context);
  if (exporter !== undefined) context.onShutdown(exporter.addCollector(proxyCollector(proxy)));
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
