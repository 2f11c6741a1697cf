import type { Logger } from 'pino';
import { CorefileError } from '../corefile/types.ts';
import { RCode } from '../dns/constants.ts';
import { emptyReply } from '../dns/reply.ts';
import type { Handler, HandlerFactory, SetupContext } from '../plugin/types.ts';
import type { BlockPlan } from './config.ts';
import { PluginSetupError } from './errors.ts';
import type { Lifecycle } from './lifecycle.ts';

/** CoreDNS's "no next plugin found": the end of every chain answers SERVFAIL. */
export const endOfChain: Handler = () => emptyReply(RCode.SERVFAIL);

/** Wraps the factories around the end of the chain so that a query enters at the first one. */
export function composeChain(factories: readonly HandlerFactory[]): Handler {
  let handler = endOfChain;
  for (let i = factories.length - 1; i >= 0; i--) handler = factories[i]!(handler);
  return handler;
}

/**
 * Sets up every plugin of a block, in execution order (so a plugin sees what earlier ones put in
 * `shared`), and composes their handlers. Returns null
 * when no plugin handles queries (a block of only `bind`, say): CoreDNS answers REFUSED there.
 */
export async function buildBlockChain(
  block: BlockPlan,
  corefile: string,
  logger: Logger,
  lifecycle: Lifecycle,
): Promise<Handler | null> {
  const factories: HandlerFactory[] = [];
  const shared = new Map<string, unknown>();
  for (const plugin of block.plugins) {
    const context: SetupContext = {
      zones: block.zones,
      corefile,
      logger: logger.child({ plugin: plugin.name }),
      onShutdown: (hook) => lifecycle.onShutdown(hook),
      addReadiness: (readiness) => void lifecycle.readiness.push(readiness),
      shared,
    };
    let instance;
    try {
      instance = await plugin.definition.setup(plugin.options, context);
    } catch (error) {
      if (error instanceof CorefileError) throw error;
      const { file, line } = plugin.directive.name;
      throw new PluginSetupError(plugin.name, file, line, error);
    }
    if (instance.handler) factories.push(instance.handler);
    if (instance.start) lifecycle.onStart(plugin.name, instance.start.bind(instance));
  }
  return factories.length === 0 ? null : composeChain(factories);
}
