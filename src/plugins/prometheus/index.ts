import type { ServerResponse } from 'node:http';
import packageJson from '../../../package.json' with { type: 'json' };
import type { Logger } from '../../log.ts';
import { buildInfo } from '../../metrics/coredns.ts';
import { acquireEndpoint, type EndpointLease } from '../../metrics/endpoints.ts';
import type { ThreadReport } from '../../metrics/merge.ts';
import { enableProcessMetrics, METRICS_CONTENT_TYPE, registerCollector, renderMergedMetrics, reportMetrics } from '../../metrics/registry.ts';
import type { ThreadLink } from '../../toolkit/threads.ts';
import { metricsAddressOffer, metricsExporterOffer } from '../../toolkit/offers.ts';
import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { reportEnabledPlugins } from './enabled.ts';
import { metricsHandler } from './handler.ts';
import { parsePrometheus, type PrometheusOptions } from './parse.ts';
import { DnsRecorder } from './recorder.ts';

export { DEFAULT_METRICS_ADDRESS, type PrometheusOptions } from './parse.ts';

/** What the main thread asks each worker's prometheus for at a scrape: its reportMetrics. */
const WORKER_METRICS = 'metrics';

function serveMetrics(logger: Logger, threads: ThreadLink) {
  return async (_request: unknown, response: ServerResponse): Promise<void> => {
    let text: string;
    try {
      const workers = (await threads.gather(WORKER_METRICS, null)) as ThreadReport[];
      text = renderMergedMetrics(logger, workers);
    } catch (error) {
      logger.error({ err: error }, 'rendering /metrics failed');
      response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('An error has occurred while serving metrics.\n');
      return;
    }
    response.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE });
    response.end(text);
  };
}

/** `coredns_build_info`: clusterdns's version, no revision, and the Node.js version for Go's. */
function reportBuildInfo(): void {
  buildInfo.cell(packageJson.version, '', process.version).set(1);
}

export function setupPrometheus(options: PrometheusOptions, context: SetupContext): PluginInstance {
  const recorder = new DnsRecorder();
  let lease: EndpointLease | undefined;
  let unreport: (() => void) | undefined;
  context.onShutdown(async () => {
    unreport?.();
    await lease?.release();
  });
  metricsExporterOffer.give(context, { addCollector: registerCollector });
  metricsAddressOffer.give(context, options.address);
  // A worker counts its queries; the main thread serves /metrics with every thread's counts summed.
  if (context.threads.role === 'worker') {
    context.threads.serve(WORKER_METRICS, () => reportMetrics(context.logger));
    return { handler: metricsHandler(recorder), tracksAnswers: true };
  }
  return {
    handler: metricsHandler(recorder),
    tracksAnswers: true,
    attach: (block) => {
      unreport = reportEnabledPlugins(block);
    },
    start: async () => {
      enableProcessMetrics();
      reportBuildInfo();
      lease = await acquireEndpoint(options.address, '/metrics', serveMetrics(context.logger, context.threads));
    },
  };
}

/**
 * `prometheus [ADDRESS]`: counts the block's queries with CoreDNS's metrics and serves the
 * process's metrics on http://ADDRESS/metrics (one listener per address, shared by blocks).
 */
export const prometheusPlugin: PluginDefinition<PrometheusOptions> = {
  name: 'prometheus',
  once: true,
  parse: parsePrometheus,
  setup: setupPrometheus,
};
