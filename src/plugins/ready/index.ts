import type { ServerResponse } from 'node:http';
import type { Logger } from '../../log.ts';
import { acquireEndpoint, type EndpointLease } from '../../metrics/endpoints.ts';
import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { parseReady, type ReadyOptions } from './parse.ts';
import { ReadySource, ReadySources } from './sources.ts';

export { DEFAULT_READY_ADDRESS, type ReadyOptions } from './parse.ts';

const sources = new ReadySources();

function answerReady(address: string, logger: Logger) {
  return (_request: unknown, response: ServerResponse): void => {
    const state = sources.state(address);
    const body = state.kind === 'ready' ? 'OK' : state.kind === 'stopping' ? 'Shutting down' : state.names;
    if (state.kind === 'waiting') logger.info(`Plugins not ready: "${state.names}"`);
    response.writeHead(state.kind === 'ready' ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(body);
  };
}

export function setupReady(options: ReadyOptions, context: SetupContext): PluginInstance {
  if (context.threads.role === 'worker') return {};
  const source = new ReadySource(options.continuously);
  let lease: EndpointLease | undefined;
  context.onShutdown(async () => {
    sources.remove(options.address, source);
    await lease?.release();
  });
  return {
    attach: (block) => {
      source.readiness = block.readiness;
    },
    start: async () => {
      sources.add(options.address, source);
      lease = await acquireEndpoint(options.address, '/ready', answerReady(options.address, context.logger));
    },
    beforeStop: async () => {
      source.stopping = true;
    },
  };
}

/**
 * `ready [ADDRESS]`: 200 "OK" on http://ADDRESS/ready once every plugin of the blocks with `ready`
 * that reports readiness is ready, else 503 and their names; 503 "Shutting down" once stopping.
 */
export const readyPlugin: PluginDefinition<ReadyOptions> = {
  name: 'ready',
  once: true,
  parse: parseReady,
  setup: setupReady,
};
