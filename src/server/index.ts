import type { Logger } from 'pino';
import type { ServerScheme } from '../corefile/address.ts';
import type { Corefile } from '../corefile/types.ts';
import type { DomainName } from '../dns/types.ts';
import { directiveNames, loadPlugins } from '../plugins/index.ts';
import type { Readiness, ServerControl, Transport } from '../toolkit/types.ts';
import { buildChains, type Chains, type ThreadScope } from './chain.ts';
import { planServer, type ListenerPlan, type PluginRegistry, type ServerPlan } from './config.ts';
import { DEFAULT_FAIR_SHARE, FairShare, type Busyness, type FairShareSettings } from './fair-share.ts';
import { DEFAULT_IN_FLIGHT_LIMITS, type InFlightLimits } from './in-flight.ts';
import { Lifecycle } from './lifecycle.ts';
import { blocks, closeListener, listenerKey, openListener, reroute, type ListenerSettings, type OpenListener } from './listeners.ts';
import { DEFAULT_TCP_OPTIONS, type TcpOptions } from './tcp.ts';
import type { Exchange } from './threads/exchange.ts';
import type { ResponseRelay } from './udp.ts';

export { ListenError } from '../toolkit/errors.ts';
export { PluginSetupError, PluginStartError } from './errors.ts';

export interface ServerOptions {
  /** The port of keys that name none (CoreDNS's -dns.port); 0 picks a free port, for tests. */
  readonly dnsPort?: number;
  readonly logger: Logger;
  /** The plugins directives may name; the compiled-in ones by default. */
  readonly registry?: PluginRegistry;
  readonly tcp?: Partial<TcpOptions>;
  /** How many answers each listener may owe at once, in all and per client (in-flight.ts). */
  readonly inFlight?: Partial<InFlightLimits>;
  /**
   * Under saturation, UDP clients sending far over their share are dropped so the others are
   * answered (fair-share.ts); on unless false. `busyness` replaces the event loop's, for tests.
   */
  readonly fairShare?: (Partial<FairShareSettings> & { readonly busyness?: Busyness }) | false;
  /** How long stop() lets TCP connections finish the answers they owe (CoreDNS: 5 s). */
  readonly graceMs?: number;
  /**
   * This thread's end of the calls between threads when the server answers on several
   * (`-workers`): plugins reach their twins through SetupContext.threads. Sockets then bind with
   * SO_REUSEPORT, so every thread's share the addresses.
   */
  readonly exchange?: Exchange;
  /**
   * Binds with SO_REUSEPORT, so a successor process (a hand-over, a rolling update on the node)
   * can bind beside this one; on whenever `exchange` is given.
   */
  readonly reusePort?: boolean;
  /** Runs after a reload applied here, in the reload's turn: the workers take the Corefile too. */
  readonly afterReload?: (corefile: Corefile) => Promise<void>;
  /** Readiness of the server itself, which `ready` counts beside the plugins' (the workers being up). */
  readonly readiness?: readonly Readiness[];
  /** Runs in stop() after the before-stop hooks (lameduck), while this thread still answers: the workers stop here. */
  readonly beforeClose?: () => Promise<void>;
}

export interface ListenerInfo {
  readonly scheme: ServerScheme;
  readonly transport: Transport;
  readonly address: string;
  readonly port: number;
}

/** What one address serves, for the startup banner: `.:53`, `example.org.:1053 on 127.0.0.1`. */
export interface ServedAddress {
  readonly scheme: ServerScheme;
  /** '' for every interface. */
  readonly host: string;
  readonly port: number;
  readonly zones: readonly DomainName[];
}

export interface RunningServer {
  /** The sockets of the running configuration (they change with a reload). */
  readonly listeners: readonly ListenerInfo[];
  readonly served: readonly ServedAddress[];
  /** What the plugins reported through addReadiness, for `ready`. */
  readonly readiness: readonly Readiness[];
  /** The Corefile of the running configuration. */
  readonly corefile: Corefile;
  /**
   * Replaces the configuration without dropping queries: the new Corefile's plugins are set up
   * and started, listeners it adds are opened, then the listeners it keeps route new queries to
   * its chains (their sockets stay open), listeners it drops are closed, and the old plugins shut
   * down. Any error before the swap rejects and leaves the running configuration as it was.
   * Reloads run one at a time.
   */
  reload(corefile: Corefile): Promise<void>;
  /**
   * Runs the before-stop hooks (health's lameduck) while still serving, then closes everything.
   * `{ lameduck: false }` skips them: after a hand-over the successor answers already.
   */
  stop(options?: { lameduck?: boolean }): Promise<void>;
  /**
   * Hands every UDP address over to a successor process bound beside this one: this thread's
   * sockets stop being chosen, and what is queued on them is still answered, the responses sent by
   * `relayFor` the listener from the successor's socket (UdpListener.handOver). Then stop().
   */
  handOver(relayFor: (listener: ListenerAddress) => ResponseRelay): Promise<void>;
  /** Sends `response` from this server's UDP socket of `listener`; false when it has none. */
  sendFrom(listener: ListenerAddress, response: Buffer, port: number, address: string): boolean;
}

/** A listener as its plan names it across processes: the configured host ('' for all) and the port. */
export interface ListenerAddress {
  readonly host: string;
  readonly port: number;
}

/** How long a hand-over keeps reading a socket after its last datagram, and at most. */
const HAND_OVER_QUIET_MS = 50;
const HAND_OVER_MAX_MS = 2_000;

export class ServerStoppedError extends Error {
  constructor() {
    super('the server is stopping: no reload');
    this.name = 'ServerStoppedError';
  }
}

/** A Corefile planned, its plugins set up and started: everything but the sockets. */
interface Configuration {
  readonly corefile: Corefile;
  readonly plan: ServerPlan;
  readonly lifecycle: Lifecycle;
  readonly chains: Chains;
}

type ReloadFn = (corefile: Corefile) => Promise<void>;

async function configure(corefile: Corefile, options: ServerOptions, reload: ReloadFn): Promise<Configuration> {
  const { logger } = options;
  const registry = options.registry ?? (await loadPlugins(directiveNames(corefile)));
  const plan = planServer(corefile, { dnsPort: options.dnsPort, registry });
  const lifecycle = new Lifecycle(options.readiness);
  const control: ServerControl = { corefile, reload };
  try {
    const chains = await buildChains(plan, logger, lifecycle, control, threadScope(options.exchange));
    await lifecycle.start();
    return { corefile, plan, lifecycle, chains };
  } catch (error) {
    await lifecycle.runShutdown(logger);
    throw error;
  }
}

function createFairShare(options: (Partial<FairShareSettings> & { readonly busyness?: Busyness }) | undefined, logger: Logger): FairShare {
  const { busyness, ...settings } = options ?? {};
  const fairShare = new FairShare({ ...DEFAULT_FAIR_SHARE, ...settings }, logger, busyness);
  fairShare.start();
  return fairShare;
}

function threadScope(exchange: Exchange | undefined): ThreadScope | undefined {
  if (exchange === undefined) return undefined;
  return (place, lifecycle) => {
    const { link, release } = exchange.scoped(place);
    lifecycle.onShutdown(release);
    return link;
  };
}

/**
 * Starts a Corefile's servers: plans and parses it, sets up every block's plugins, runs their
 * start(), then opens UDP and TCP on each address. A failure anywhere closes what was opened,
 * runs the shutdown hooks registered so far, and rejects with a typed error naming the cause.
 */
export async function startServer(corefile: Corefile, options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const fairShare = options.fairShare === false ? null : createFairShare(options.fairShare, logger);
  const settings: ListenerSettings = {
    logger,
    tcp: { ...DEFAULT_TCP_OPTIONS, ...options.tcp },
    reusePort: options.reusePort === true || options.exchange !== undefined,
    inFlight: { ...DEFAULT_IN_FLIGHT_LIMITS, ...options.inFlight },
    fairShare,
  };
  const open = (plan: ListenerPlan, chains: Chains): Promise<OpenListener> => openListener(plan, chains, settings);
  const graceMs = options.graceMs ?? 5_000;
  let queue: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | null = null;
  const reload: ReloadFn = (next) => {
    const run = queue.then(async () => {
      if (stopping) throw new ServerStoppedError();
      await apply(next);
      await options.afterReload?.(next);
    });
    queue = run.catch(() => {});
    return run;
  };

  let config = await configure(corefile, options, reload);
  let listeners: OpenListener[] = [];
  try {
    for (const plan of config.plan.listeners) listeners.push(await open(plan, config.chains));
  } catch (error) {
    await Promise.all(listeners.map((listener) => closeListener(listener, 0)));
    fairShare?.stop();
    await config.lifecycle.runShutdown(logger);
    throw error;
  }

  async function apply(corefile: Corefile): Promise<void> {
    const next = await configure(corefile, options, reload);
    const kept = new Map(listeners.map((listener) => [listenerKey(listener.plan), listener]));
    const wanted = new Set(next.plan.listeners.map(listenerKey));
    const dropped = listeners.filter((listener) => !wanted.has(listenerKey(listener.plan)));
    const added = next.plan.listeners.filter((plan) => !kept.has(listenerKey(plan)));
    // A port moving between every interface and bound addresses: the old sockets must go first.
    const inTheWay = dropped.filter((old) => added.some((plan) => blocks(old.plan, plan)));
    await Promise.all(inTheWay.map((listener) => closeListener(listener, graceMs)));
    const opened: OpenListener[] = [];
    try {
      for (const plan of added) opened.push(await open(plan, next.chains));
    } catch (error) {
      await Promise.all(opened.map((listener) => closeListener(listener, 0)));
      await reopen(inTheWay);
      await next.lifecycle.runShutdown(logger);
      throw error;
    }
    const previous = config;
    listeners = next.plan.listeners.map(
      (plan) => opened.find((listener) => listener.plan === plan) ?? reroute(kept.get(listenerKey(plan))!, plan, next.chains),
    );
    config = next;
    await Promise.all(dropped.filter((l) => !inTheWay.includes(l)).map((listener) => closeListener(listener, graceMs)));
    // Answers the old chains still owe (an upstream being asked) finish before their plugins stop.
    await previous.chains.pending.drained(graceMs);
    await previous.lifecycle.runShutdown(logger);
  }

  /** Puts back listeners closed for a reload that then failed, on the running configuration. */
  async function reopen(closed: readonly OpenListener[]): Promise<void> {
    for (const old of closed) {
      try {
        const index = listeners.indexOf(old);
        listeners[index] = await open(old.plan, config.chains);
      } catch (error) {
        logger.error({ err: error }, 'could not reopen a listener after a failed reload');
      }
    }
  }

  return {
    get listeners(): ListenerInfo[] {
      return listeners.flatMap(({ plan: { scheme }, udp, stream }): ListenerInfo[] => [
        ...(udp === null ? [] : [{ scheme, transport: 'udp' as const, address: udp.address, port: udp.port }]),
        { scheme, transport: 'tcp', address: stream.address, port: stream.port },
      ]);
    },
    get served(): ServedAddress[] {
      return listeners.map(({ plan, stream }) => ({
        scheme: plan.scheme,
        host: plan.host,
        port: stream.port,
        zones: plan.sites.map(({ site }) => site.zone),
      }));
    },
    get readiness(): readonly Readiness[] {
      return config.lifecycle.readiness;
    },
    get corefile(): Corefile {
      return config.corefile;
    },
    reload,
    handOver: async (relayFor) => {
      await Promise.all(
        listeners.map(({ plan, udp }) => udp?.handOver(relayFor({ host: plan.host, port: udp.port }), HAND_OVER_QUIET_MS, HAND_OVER_MAX_MS)),
      );
    },
    sendFrom: (listener, response, port, address) => {
      const open = listeners.find(({ plan, udp }) => plan.host === listener.host && udp?.port === listener.port);
      if (open?.udp == null) return false;
      open.udp.sendTo(response, port, address);
      return true;
    },
    stop: (stopOptions = {}) =>
      (stopping ??= (async () => {
        await queue;
        if (stopOptions.lameduck !== false) await config.lifecycle.runBeforeStop(logger);
        await options.beforeClose?.();
        await Promise.all(listeners.map((listener) => closeListener(listener, graceMs)));
        fairShare?.stop();
        await config.lifecycle.runShutdown(logger);
      })()),
  };
}
