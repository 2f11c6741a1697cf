import { threadId } from 'node:worker_threads';
import type { DomainName } from '../../dns/types.ts';
import { acquireEndpoint, type EndpointLease } from '../../metrics/endpoints.ts';
import { registerCollector } from '../../metrics/registry.ts';
import { clusterViewOffer, metricsAddressOffer, podAddressesWantedOffer, transfererOffer } from '../../toolkit/offers.ts';
import type { HandlerFactory, PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { TOP_PATH } from '../../top-cli/document.ts';
import { topBoard } from './board.ts';
import { recordWorkers, serveTop, WORKER_REPORT, WORKER_SUMMARY, type WorkerSummary } from './endpoint.ts';
import { searchPathExpansion } from './expansion.ts';
import { topHandler } from './handler.ts';
import { publishTopMetrics } from './metrics.ts';
import { DEFAULT_CLUSTER_DOMAIN, parseTop, type TopOptions } from './parse.ts';

export type { TopOptions } from './parse.ts';

const REVERSE_ZONE = /(^|\.)(in-addr|ip6)\.arpa$/;

/**
 * The domains pods' search paths end in: `cluster_domain`, else the forward zones of the block's
 * kubernetes plugin (read from the Transferer it offers every block, on every thread), else
 * kubelet's default.
 */
function clusterDomains(options: TopOptions, context: SetupContext): readonly DomainName[] {
  if (options.clusterDomains !== null) return options.clusterDomains;
  const zones = (transfererOffer.find(context)?.zones ?? []).filter((zone) => zone !== '' && !REVERSE_ZONE.test(zone));
  return zones.length > 0 ? zones : [DEFAULT_CLUSTER_DOMAIN];
}

function workerSummary(): WorkerSummary {
  return { thread: threadId, summary: topBoard.threadSummary() };
}

export function setupTop(options: TopOptions, context: SetupContext): PluginInstance {
  const { threads: link, logger } = context;
  const lease = topBoard.acquire(options.k);
  context.onShutdown(() => lease.release());
  // kubernetes comes after top in PLUGIN_ORDER: its offers are there once the chain is composed.
  const handler: HandlerFactory = (next) => topHandler(lease.tracker, searchPathExpansion(clusterDomains(options, context)))(next);

  if (link.role === 'worker') {
    link.serve(WORKER_SUMMARY, workerSummary);
    // Sent while this thread's metrics are collected for a scrape: on the one port to the main
    // thread, ahead of the metrics themselves, so the main thread has it when it sets the gauges.
    context.onShutdown(registerCollector(() => void link.call(WORKER_REPORT, workerSummary()).catch(() => {})));
    return { handler };
  }

  podAddressesWantedOffer.give(context, true);
  link.serve(WORKER_REPORT, (payload) => recordWorkers(topBoard, link, [payload as WorkerSummary]));
  publishTopMetrics(topBoard);
  const address = metricsAddressOffer.find(context);
  if (address === undefined) logger.warn('no prometheus in this server block: its counts are served on the /top of a block that has one');
  let endpoint: EndpointLease | undefined;
  let forgetView: (() => void) | undefined;
  context.onShutdown(async () => {
    forgetView?.();
    await endpoint?.release();
  });
  return {
    handler,
    attach: () => {
      const view = clusterViewOffer.find(context);
      if (view !== undefined) forgetView = topBoard.addView(view);
    },
    start: async () => {
      if (address !== undefined) endpoint = await acquireEndpoint(address, TOP_PATH, serveTop(topBoard, link, options.k, logger));
    },
  };
}

/**
 * `top [K] { cluster_domain DOMAIN... }`: the K clients asking most, getting most NXDOMAINs, and
 * sending most search-path expansions, served as JSON on /top beside /metrics and as
 * clusterdns_top_client_* gauges.
 */
export const topPlugin: PluginDefinition<TopOptions> = {
  name: 'top',
  once: true,
  parse: parseTop,
  setup: setupTop,
};
