import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireEndpoint, type EndpointLease } from '../../metrics/endpoints.ts';
import { parseListenAddress } from '../../toolkit/host-port.ts';
import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { watchOverload } from './overloaded.ts';
import { parseHealth, type HealthOptions } from './parse.ts';

export { DEFAULT_HEALTH_ADDRESS, type HealthOptions } from './parse.ts';

/** Always healthy while the process runs, lameduck included: /health says whether it is alive. */
function answerHealthy(_request: unknown, response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end('OK');
}

/** Where the self-check asks: the configured host, or localhost when it listens everywhere. */
function selfCheckUrl(address: string, port: number): URL {
  const { host } = parseListenAddress(address);
  const name = host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return new URL(`http://${name}:${port}/health`);
}

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function setupHealth(options: HealthOptions, context: SetupContext): PluginInstance {
  // The process has one /health and one lameduck, the main thread's; workers answer through it.
  if (context.threads.role === 'worker') return {};
  const { logger } = context;
  let lease: EndpointLease | undefined;
  let stopWatching: (() => void) | undefined;
  context.onShutdown(async () => {
    stopWatching?.();
    await lease?.release();
  });
  return {
    start: async () => {
      lease = await acquireEndpoint(options.address, '/health', answerHealthy);
      stopWatching = watchOverload(selfCheckUrl(options.address, lease.port), logger);
    },
    beforeStop: async () => {
      if (options.lameduckMs <= 0) return;
      logger.info(`Going into lameduck mode for ${formatDuration(options.lameduckMs)}`);
      await sleep(options.lameduckMs);
    },
  };
}

/**
 * `health [ADDRESS] { lameduck DURATION }`: 200 "OK" on http://ADDRESS/health while the process
 * runs; a stop first waits out the lameduck duration, still answering DNS and /health.
 */
export const healthPlugin: PluginDefinition<HealthOptions> = {
  name: 'health',
  once: true,
  parse: parseHealth,
  setup: setupHealth,
};
