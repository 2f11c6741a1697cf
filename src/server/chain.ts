import type { Logger } from 'pino';
import { CorefileError } from '../corefile/types.ts';
import type { Handler, HandlerFactory, SetupContext } from '../plugin/types.ts';
import type { BlockPlan } from './config.ts';
import { NoNextPluginError, PluginSetupError } from './errors.ts';
import type { Lifecycle } from './lifecycle.ts';

/** A plugin's place in a chain. */
export interface ChainLink {
  readonly plugin: string;
  readonly factory: HandlerFactory;
}

/**
 * Wraps the links around the end of the chain so that a query enters at the first one. The end
 * fails as CoreDNS's NextOrFailure does, naming the last plugin: the query is answered SERVFAIL
 * and `errors` logs `plugin/<last>: no next plugin found`. The error is made once, not per query.
 */
export function composeChain(links: readonly ChainLink[]): Handler {
  const noNext = new NoNextPluginError(links.at(-1)?.plugin ?? '');
  let handler: Handler = () => {
    throw noNext;
  };
  for (let i = links.length - 1; i >= 0; i--) handler = links[i]!.factory(handler);
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
  const links: ChainLink[] = [];
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
    if (instance.handler) links.push({ plugin: plugin.name, factory: instance.handler });
    if (instance.start) lifecycle.onStart(plugin.name, instance.start.bind(instance));
  }
  return links.length === 0 ? null : composeChain(links);
}
