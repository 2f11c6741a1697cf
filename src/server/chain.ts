import type { Logger } from 'pino';
import { CorefileError } from '../corefile/types.ts';
import type { DomainName } from '../dns/types.ts';
import { joinHostPort } from '../toolkit/host-port.ts';
import { isPromiseLike } from '../toolkit/promise.ts';
import { markAnswered } from '../toolkit/request.ts';
import { SINGLE_THREAD, type ThreadLink } from '../toolkit/threads.ts';
import type { BlockInfo, Handler, HandlerFactory, PluginInstance, Readiness, ServerControl, SetupContext } from '../toolkit/types.ts';
import type { BlockPlan, ListenerPlan, ServerPlan } from './config.ts';
import { NoNextPluginError, NoServerError, PluginSetupError } from './errors.ts';
import type { Lifecycle } from './lifecycle.ts';
import { PendingAnswers } from './pending.ts';

/** Plugins that may be asked about other classes than IN: CoreDNS lets CH and friends through for them. */
const ANY_CLASS_PLUGINS = new Set(['chaos', 'forward', 'proxy']);

/** Every server block's chain of one configuration (null: a block without handlers), and the answers they owe. */
export interface Chains {
  readonly byBlock: ReadonlyMap<BlockPlan, Handler | null>;
  readonly pending: PendingAnswers;
}

/** A zone served on a listener and the chain of its server block (null: a block without handlers). */
export interface Route {
  readonly zone: DomainName;
  readonly handler: Handler | null;
}

/** What one listener answers with from one configuration: its routes and whether it takes classes other than IN. */
export interface Routing {
  readonly routes: readonly Route[];
  /** CoreDNS refuses classes other than IN unless a plugin that may need them (forward) is loaded. */
  readonly acceptAnyClass: boolean;
  /** The configuration's owed answers: the dispatcher counts the asynchronous ones here. */
  readonly pending: PendingAnswers;
}

/**
 * Sets up every block's plugins and composes each block's chain: the handlers a configuration
 * answers with. The plugins register their start, stop and readiness work with `lifecycle`.
 */
export async function buildChains(
  plan: ServerPlan,
  logger: Logger,
  lifecycle: Lifecycle,
  server: ServerControl,
  threads: ThreadScope = SINGLE_THREAD_SCOPE,
): Promise<Chains> {
  const byBlock = new Map<BlockPlan, Handler | null>();
  for (const block of plan.blocks) {
    // Every thread plans the same Corefile: a block is known by its key zones and ports there.
    const place = block.sites.map((site) => `${site.zone}:${site.port}`).join(',');
    const linkFor = (plugin: string): ThreadLink => threads(`${place}/${plugin}/`, lifecycle);
    byBlock.set(block, await buildBlockChain(block, plan.file, logger, lifecycle, server, linkFor));
  }
  return { byBlock, pending: new PendingAnswers() };
}

/**
 * A plugin instance's ThreadLink, given where it sits (`<block's zones and ports>/<plugin>/`); the
 * scope forgets its names when the configuration shuts down.
 */
export type ThreadScope = (place: string, lifecycle: Lifecycle) => ThreadLink;

const SINGLE_THREAD_SCOPE: ThreadScope = () => SINGLE_THREAD;

/** A listener's routes to the chains of the blocks it serves: each key zone to its block's chain. */
export function routingFor(listener: ListenerPlan, chains: Chains): Routing {
  return {
    routes: listener.sites.map(({ site, block }) => ({ zone: site.zone, handler: chains.byBlock.get(block) ?? null })),
    acceptAnyClass: listener.sites.some(({ block }) => block.plugins.some((plugin) => ANY_CLASS_PLUGINS.has(plugin.name))),
    pending: chains.pending,
  };
}

const NO_SERVER: ServerControl = {
  corefile: { file: '', blocks: [], files: [] },
  reload: () => Promise.reject(new NoServerError()),
};

function blockInfo(block: BlockPlan, handlers: readonly string[], readiness: readonly Readiness[]): BlockInfo {
  const sites = block.sites.flatMap((site) =>
    block.listenHosts.map((host) => ({ server: `${site.scheme}://${joinHostPort(host, site.port)}`, zone: site.zone })),
  );
  return { sites, listenHosts: block.listenHosts, handlers, readiness };
}

/** Why a block is set up: to serve, or for `-validate` (each plugin's validate() where it has one). */
export type SetupPurpose = 'serve' | 'validate';

/**
 * Sets up every plugin of a block, in execution order (so a plugin sees what earlier ones put in
 * `shared`), and composes their handlers. Returns null when no plugin handles queries (a block of
 * only `bind`, say): CoreDNS answers REFUSED there.
 */
export async function buildBlockChain(
  block: BlockPlan,
  corefile: string,
  logger: Logger,
  lifecycle: Lifecycle,
  server: ServerControl = NO_SERVER,
  linkFor: (plugin: string) => ThreadLink = () => SINGLE_THREAD,
  purpose: SetupPurpose = 'serve',
): Promise<Handler | null> {
  const links: ChainLink[] = [];
  const shared = new Map<string, unknown>();
  const readiness: Readiness[] = [...lifecycle.serverReadiness];
  const instances: PluginInstance[] = [];
  for (const plugin of block.plugins) {
    const context: SetupContext = {
      zones: block.zones,
      corefile,
      logger: logger.child({ plugin: plugin.name }),
      onShutdown: (hook) => lifecycle.onShutdown(hook),
      addReadiness: (entry) => {
        lifecycle.readiness.push(entry);
        readiness.push(entry);
      },
      shared,
      threads: linkFor(plugin.name),
    };
    let instance: PluginInstance;
    try {
      const { definition } = plugin;
      instance = await (purpose === 'validate' && definition.validate ? definition.validate(plugin.options, context) : definition.setup(plugin.options, context));
    } catch (error) {
      if (error instanceof CorefileError) throw error;
      const { file, line } = plugin.directive.name;
      throw new PluginSetupError(plugin.name, file, line, error);
    }
    instances.push(instance);
    if (instance.handler) links.push({ plugin: plugin.name, factory: instance.handler });
    if (instance.start) lifecycle.onStart(plugin.name, instance.start.bind(instance));
    if (instance.beforeStop) lifecycle.onBeforeStop(plugin.name, instance.beforeStop.bind(instance));
  }
  const info = blockInfo(block, links.map((link) => link.plugin), readiness);
  for (const instance of instances) instance.attach?.(info, server);
  if (links.length === 0) return null;
  return composeChain(links, { trackAnswers: instances.some((instance) => instance.tracksAnswers === true) });
}

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
export function composeChain(links: readonly ChainLink[], options: { trackAnswers?: boolean } = {}): Handler {
  const noNext = new NoNextPluginError(links.at(-1)?.plugin ?? '');
  let handler: Handler = () => {
    throw noNext;
  };
  for (let i = links.length - 1; i >= 0; i--) {
    handler = links[i]!.factory(handler);
    if (options.trackAnswers) handler = recordingAnswerer(links[i]!.plugin, handler);
  }
  return handler;
}

/**
 * Marks the request with `plugin` when its handler returns a reply. The deepest plugin returns
 * first, so the mark names the one that wrote the answer, as CoreDNS's plugin label; plugins that
 * pass a reply through leave it. Async replies pay a promise, sync ones a property write.
 */
function recordingAnswerer(plugin: string, handler: Handler): Handler {
  return (request) => {
    const result = handler(request);
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then((reply) => {
        markAnswered(request, plugin);
        return reply;
      });
    }
    markAnswered(request, plugin);
    return result;
  };
}
