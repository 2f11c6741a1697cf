import type { Logger } from 'pino';
import type { Corefile } from '../corefile/types.ts';
import type { DomainName } from '../dns/types.ts';
import type { Handler, Readiness, Transport } from '../plugin/types.ts';
import { plugins as compiledInPlugins } from '../plugins/index.ts';
import { joinHostPort } from './address.ts';
import { buildBlockChain } from './chain.ts';
import { planServer, type BlockPlan, type ListenerPlan, type PluginRegistry, type ServerPlan } from './config.ts';
import { Dispatcher } from './dispatch.ts';
import { Lifecycle } from './lifecycle.ts';
import { DEFAULT_TCP_OPTIONS, TcpListener, type TcpOptions } from './tcp.ts';
import { UdpListener } from './udp.ts';

export { ListenError, PluginSetupError, PluginStartError } from './errors.ts';

export interface ServerOptions {
  /** The port of keys that name none (CoreDNS's -dns.port); 0 picks a free port, for tests. */
  readonly dnsPort?: number;
  readonly logger: Logger;
  /** The plugins directives may name; the compiled-in ones by default. */
  readonly registry?: PluginRegistry;
  readonly tcp?: Partial<TcpOptions>;
  /** How long stop() lets TCP connections finish the answers they owe (CoreDNS: 5 s). */
  readonly graceMs?: number;
}

export interface ListenerInfo {
  readonly transport: Transport;
  readonly address: string;
  readonly port: number;
}

/** What one address serves, for the startup banner: `.:53`, `example.org.:1053 on 127.0.0.1`. */
export interface ServedAddress {
  /** '' for every interface. */
  readonly host: string;
  readonly port: number;
  readonly zones: readonly DomainName[];
}

export interface RunningServer {
  readonly listeners: readonly ListenerInfo[];
  readonly served: readonly ServedAddress[];
  /** What the plugins reported through addReadiness, for `ready`. */
  readonly readiness: readonly Readiness[];
  stop(): Promise<void>;
}

/** Plugins that may be asked about other classes than IN: CoreDNS lets CH and friends through for them. */
const ANY_CLASS_PLUGINS = new Set(['chaos', 'forward', 'proxy']);

/** Binding port 0 twice (UDP, then TCP on the same number) can lose a race; try a few numbers. */
const FREE_PORT_ATTEMPTS = 20;

interface OpenListener {
  readonly udp: UdpListener;
  readonly tcp: TcpListener;
}

function dispatcherFor(listener: ListenerPlan, port: number, chains: Map<BlockPlan, Handler | null>, logger: Logger): Dispatcher {
  return new Dispatcher({
    server: `dns://${joinHostPort(listener.host, port)}`,
    routes: listener.sites.map(({ site, block }) => ({ zone: site.zone, handler: chains.get(block) ?? null })),
    acceptAnyClass: listener.sites.some(({ block }) => block.plugins.some((p) => ANY_CLASS_PLUGINS.has(p.name))),
    logger,
  });
}

async function openListener(
  listener: ListenerPlan,
  chains: Map<BlockPlan, Handler | null>,
  logger: Logger,
  tcpOptions: TcpOptions,
): Promise<OpenListener> {
  for (let attempt = 1; ; attempt++) {
    const udp = await UdpListener.open(listener.host, listener.port, logger);
    const dispatcher = dispatcherFor(listener, udp.port, chains, logger);
    try {
      const tcp = await TcpListener.open(listener.host, udp.port, dispatcher, logger, tcpOptions);
      udp.serve(dispatcher);
      return { udp, tcp };
    } catch (error) {
      await udp.close();
      const retry = listener.port === 0 && (error as { code?: string }).code === 'EADDRINUSE';
      if (!retry || attempt >= FREE_PORT_ATTEMPTS) throw error;
    }
  }
}

/**
 * Starts a Corefile's servers: plans and parses it, sets up every block's plugins, runs their
 * start(), then opens UDP and TCP on each address. A failure anywhere closes what was opened,
 * runs the shutdown hooks registered so far, and rejects with a typed error naming the cause.
 */
export async function startServer(corefile: Corefile, options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const tcpOptions = { ...DEFAULT_TCP_OPTIONS, ...options.tcp };
  const plan: ServerPlan = planServer(corefile, {
    dnsPort: options.dnsPort,
    registry: options.registry ?? compiledInPlugins,
  });
  const lifecycle = new Lifecycle();
  const opened: OpenListener[] = [];
  const closeAll = async (graceMs: number): Promise<void> => {
    await Promise.all(opened.flatMap(({ udp, tcp }) => [udp.close(), tcp.close(graceMs)]));
    await lifecycle.runShutdown(logger);
  };
  try {
    const chains = new Map<BlockPlan, Handler | null>();
    for (const block of plan.blocks) chains.set(block, await buildBlockChain(block, plan.file, logger, lifecycle));
    await lifecycle.start();
    for (const listener of plan.listeners) opened.push(await openListener(listener, chains, logger, tcpOptions));
  } catch (error) {
    await closeAll(0);
    throw error;
  }

  let stopping: Promise<void> | null = null;
  return {
    listeners: opened.flatMap(({ udp, tcp }) => [
      { transport: 'udp', address: udp.address, port: udp.port },
      { transport: 'tcp', address: tcp.address, port: tcp.port },
    ]),
    served: plan.listeners.map((listener, index) => ({
      host: listener.host,
      port: opened[index]!.udp.port,
      zones: listener.sites.map(({ site }) => site.zone),
    })),
    readiness: lifecycle.readiness,
    stop: () => (stopping ??= closeAll(options.graceMs ?? 5_000)),
  };
}
