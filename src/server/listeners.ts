import type { Logger } from 'pino';
import { refusedReporter } from '../metrics/dropped.ts';
import { joinHostPort } from '../toolkit/host-port.ts';
import { routingFor, type Chains } from './chain.ts';
import { ALL_INTERFACES, type ListenerPlan } from './config.ts';
import { Dispatcher } from './dispatch.ts';
import type { TcpOptions } from './tcp.ts';
import { TcpListener } from './tcp.ts';
import { UdpListener } from './udp.ts';

/** Binding port 0 twice (UDP, then TCP on the same number) can lose a race; try a few numbers. */
const FREE_PORT_ATTEMPTS = 20;

/** A UDP and TCP socket pair on one address, and the dispatcher routing its queries. */
export interface OpenListener {
  readonly plan: ListenerPlan;
  readonly udp: UdpListener;
  readonly tcp: TcpListener;
  readonly dispatcher: Dispatcher;
}

/** Listeners are matched across reloads by the planned address: port 0 (tests) matches port 0. */
export function listenerKey(plan: ListenerPlan): string {
  return `${plan.host}\u0000${plan.port}`;
}

export async function openListener(
  plan: ListenerPlan,
  chains: Chains,
  logger: Logger,
  tcpOptions: TcpOptions,
  reusePort = false,
): Promise<OpenListener> {
  for (let attempt = 1; ; attempt++) {
    const udp = await UdpListener.open(plan.host, plan.port, logger, reusePort);
    const server = `dns://${joinHostPort(plan.host, udp.port)}`;
    const dispatcher = new Dispatcher({ server, routing: routingFor(plan, chains), logger, onRefused: refusedReporter(server) });
    try {
      const tcp = await TcpListener.open(plan.host, udp.port, dispatcher, logger, tcpOptions, reusePort);
      udp.serve(dispatcher);
      return { plan, udp, tcp, dispatcher };
    } catch (error) {
      await udp.close();
      const retry = plan.port === 0 && (error as { code?: string }).code === 'EADDRINUSE';
      if (!retry || attempt >= FREE_PORT_ATTEMPTS) throw error;
    }
  }
}

/** Routes a kept listener's later queries to a new configuration's chains. */
export function reroute(listener: OpenListener, plan: ListenerPlan, chains: Chains): OpenListener {
  listener.dispatcher.update(routingFor(plan, chains));
  return { ...listener, plan };
}

export function closeListener(listener: OpenListener, graceMs: number): Promise<void> {
  return Promise.all([listener.udp.close(), listener.tcp.close(graceMs)]).then(() => undefined);
}

/**
 * Whether `old` must close before `next` can open: the kernel refuses every interface and one
 * address of the same port at once (the sockets are exclusive). Port 0 picks a fresh port anyway.
 */
export function blocks(old: ListenerPlan, next: ListenerPlan): boolean {
  return old.port !== 0 && old.port === next.port && (old.host === ALL_INTERFACES || next.host === ALL_INTERFACES);
}
