import type { Logger } from 'pino';
import { refusedReporter } from '../metrics/dropped.ts';
import { joinHostPort } from '../toolkit/host-port.ts';
import { routingFor, type Chains } from './chain.ts';
import { ALL_INTERFACES, type ListenerPlan } from './config.ts';
import { Dispatcher, type QueryDispatch } from './dispatch.ts';
import type { HttpsListener } from './https.ts';
import type { FairShare } from './fair-share.ts';
import type { InFlightLimits } from './in-flight.ts';
import type { TcpOptions } from './tcp.ts';
import { TcpListener } from './tcp.ts';
import { UdpListener } from './udp.ts';

/** Binding port 0 twice (UDP, then TCP on the same number) can lose a race; try a few numbers. */
const FREE_PORT_ATTEMPTS = 20;

/**
 * The sockets of one planned address and the dispatcher routing their queries: UDP and TCP for
 * dns://, one TLS (or TCP) socket for tls://, an HTTP server for https://.
 */
export interface OpenListener {
  readonly plan: ListenerPlan;
  /** null for tls:// and https://, which have no datagrams. */
  readonly udp: UdpListener | null;
  readonly stream: TcpListener | HttpsListener;
  readonly dispatcher: Dispatcher;
}

/**
 * Listeners are matched across reloads by the planned address (port 0, in tests, matches port 0)
 * and what a TLS socket cannot change once open: whether it encrypts, its client policy, its key
 * log. A new certificate alone is swapped into the open socket.
 */
export function listenerKey(plan: ListenerPlan): string {
  const security = plan.tls === null ? '' : `${plan.tls.clientAuth}\u0000${plan.tls.keylog ?? ''}`;
  return `${plan.scheme}\u0000${plan.host}\u0000${plan.port}\u0000${security}`;
}

/** How logs and metrics name a listener: `dns://:53`, `tls://127.0.0.1:853`. */
export function serverLabel(plan: ListenerPlan, port: number): string {
  return `${plan.scheme}://${joinHostPort(plan.host, port)}`;
}

/** What every listener of a server is opened with. */
export interface ListenerSettings {
  readonly logger: Logger;
  readonly tcp: TcpOptions;
  /** SO_REUSEPORT: threads and a successor process bind beside each other. */
  readonly reusePort: boolean;
  readonly inFlight: InFlightLimits;
  /** The server's fair share under saturation, for UDP queries; null when off. */
  readonly fairShare: FairShare | null;
}

function dispatcherFor(plan: ListenerPlan, port: number, chains: Chains, settings: ListenerSettings): Dispatcher {
  const server = serverLabel(plan, port);
  const { logger, inFlight, fairShare } = settings;
  return new Dispatcher({ server, routing: routingFor(plan, chains), logger, onRefused: refusedReporter(server), inFlight, fairShare });
}

async function openStream(plan: ListenerPlan, chains: Chains, settings: ListenerSettings): Promise<OpenListener> {
  const { logger, reusePort } = settings;
  // The label names the bound port, known once bound; no query arrives before the dispatcher is made.
  let dispatcher: Dispatcher | undefined;
  const late: QueryDispatch = { dispatch: (packet, from) => dispatcher!.dispatch(packet, from) };
  // DNS over HTTPS is imported when a Corefile asks for it: node's HTTP/2 and its server cost memory.
  const stream =
    plan.scheme === 'https'
      ? await (await import('./https.ts')).HttpsListener.open(plan.host, plan.port, late, logger, {
          secure: plan.tls,
          maxConnections: plan.httpsMaxConnections,
          reusePort,
          serverLabel: (port) => serverLabel(plan, port),
        })
      : await TcpListener.open(plan.host, plan.port, late, logger, settings.tcp, reusePort, plan.tls);
  dispatcher = dispatcherFor(plan, stream.port, chains, settings);
  return { plan, udp: null, stream, dispatcher };
}

export async function openListener(plan: ListenerPlan, chains: Chains, settings: ListenerSettings): Promise<OpenListener> {
  if (plan.scheme !== 'dns') return openStream(plan, chains, settings);
  const { logger, reusePort } = settings;
  for (let attempt = 1; ; attempt++) {
    const udp = await UdpListener.open(plan.host, plan.port, logger, reusePort);
    const dispatcher = dispatcherFor(plan, udp.port, chains, settings);
    try {
      const stream = await TcpListener.open(plan.host, udp.port, dispatcher, logger, settings.tcp, reusePort);
      udp.serve(dispatcher);
      return { plan, udp, stream, dispatcher };
    } catch (error) {
      await udp.close();
      const retry = plan.port === 0 && (error as { code?: string }).code === 'EADDRINUSE';
      if (!retry || attempt >= FREE_PORT_ATTEMPTS) throw error;
    }
  }
}

/** Routes a kept listener's later queries to a new configuration's chains, under its certificate. */
export function reroute(listener: OpenListener, plan: ListenerPlan, chains: Chains): OpenListener {
  if (plan.tls !== null && plan.tls !== listener.plan.tls) listener.stream.replaceCertificate(plan.tls);
  listener.dispatcher.update(routingFor(plan, chains));
  return { ...listener, plan };
}

export function closeListener(listener: OpenListener, graceMs: number): Promise<void> {
  return Promise.all([listener.udp?.close(), listener.stream.close(graceMs)]).then(() => undefined);
}

/**
 * Whether `old` must close before `next` can open: the kernel refuses one address and port twice,
 * or every interface and one address of the same port at once (the sockets are exclusive). Port 0
 * picks a fresh port anyway.
 */
export function blocks(old: ListenerPlan, next: ListenerPlan): boolean {
  if (old.port === 0 || old.port !== next.port) return false;
  return old.host === next.host || old.host === ALL_INTERFACES || next.host === ALL_INTERFACES;
}
