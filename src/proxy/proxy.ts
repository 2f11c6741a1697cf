import { canonicalIP } from '../cluster/convert.ts';
import type { ClusterView, ObjectKey, Service, ServicePort } from '../cluster/types.ts';
import type { Logger } from '../log.ts';
import { localAddressSnapshot } from './addresses.ts';
import { ProxyBindError, ProxyConfigError } from './errors.ts';
import type { Frontend, FrontendOptions } from './frontend.ts';
import { frontendsFor, isProxied } from './frontends.ts';
import { type Scheduler, schedulerFor } from './scheduler.ts';
import { ServicePortState } from './service-port.ts';
import { TcpFrontend } from './tcp.ts';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_SCHEDULER,
  DEFAULT_UDP_IDLE_TIMEOUT_MS,
  type FrontendSpec,
  type ProxyCounters,
  SCHEDULERS,
  type ServiceProxyOptions,
} from './types.ts';
import { UdpFrontend } from './udp.ts';

/**
 * A userspace L4 proxy for the services of a cluster view, as kube-proxy's retired userspace mode:
 * it listens on every service address this host has (cluster IPs, the node address's node ports,
 * external IPs) and relays each connection or UDP flow to a ready endpoint. It follows the view
 * live: listeners open and close as services come and go, backends change as slices do.
 */
export class ServiceProxy {
  readonly #view: ClusterView;
  readonly #logger: Logger;
  readonly #nodeAddress: string | undefined;
  readonly #scheduler: Scheduler;
  readonly #frontendOptions: FrontendOptions;
  /** Per service, its proxied ports by `PROTOCOL/name`. */
  readonly #services = new Map<ObjectKey, Map<string, ServicePortState>>();
  readonly #counters = new Map<ObjectKey, ProxyCounters>();
  readonly #frontends = new Map<string, Frontend>();
  readonly #opening = new Set<Frontend>();
  readonly #pending = new Set<Promise<void>>();
  /** Per service, the listeners already warned about, so a failing address is reported once. */
  readonly #warned = new Map<ObjectKey, Set<string>>();
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(options: ServiceProxyOptions) {
    this.#view = options.view;
    this.#logger = options.logger;
    this.#nodeAddress = checkNodeAddress(options.nodeAddress);
    const scheduler = options.scheduler ?? DEFAULT_SCHEDULER;
    if (!SCHEDULERS.includes(scheduler)) throw new ProxyConfigError('scheduler', `expected one of ${SCHEDULERS.join(', ')}, got ${String(scheduler)}`);
    this.#scheduler = schedulerFor(scheduler);
    this.#frontendOptions = {
      logger: options.logger,
      udpIdleTimeoutMs: checkTimeout('udpIdleTimeoutMs', options.udpIdleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS),
      connectTimeoutMs: checkTimeout('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    };
  }

  /** Listens for every service the view has now, then follows it; resolves once those listeners are up (or failed). */
  async start(): Promise<void> {
    if (this.#unsubscribe || this.#stopped) return;
    this.#unsubscribe = this.#view.subscribe((change) => this.#syncSafely(change.services));
    const keys = new Set<ObjectKey>();
    for (const service of this.#view.services()) keys.add(`${service.namespace}/${service.name}`);
    this.#syncSafely(keys);
    await this.settled();
    this.#logger.info({ services: this.#services.size, listeners: this.#frontends.size }, 'service proxy started');
  }

  /** Closes every listener and cuts every connection and flow. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.settled();
    const frontends = [...this.#frontends.values()];
    this.#frontends.clear();
    this.#services.clear();
    this.#counters.clear();
    await Promise.all(frontends.map((frontend) => frontend.destroy()));
  }

  /** Resolves once every listener being opened is listening or has failed. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** A snapshot of each proxied service's counters, by `namespace/name`. */
  stats(): ReadonlyMap<ObjectKey, Readonly<ProxyCounters>> {
    const snapshot = new Map<ObjectKey, ProxyCounters>();
    for (const [key, counters] of this.#counters) snapshot.set(key, { ...counters });
    return snapshot;
  }

  /** A listener for a store change must never throw into the store's writer. */
  #syncSafely(keys: ReadonlySet<ObjectKey>): void {
    if (this.#stopped) return;
    try {
      this.#sync(keys);
    } catch (error) {
      this.#logger.error({ err: error }, 'service proxy sync failed');
    }
  }

  #sync(keys: ReadonlySet<ObjectKey>): void {
    let isLocal: ((ip: string) => boolean) | undefined;
    const local = (ip: string): boolean => (isLocal ??= localAddressSnapshot())(ip);
    // Services that went away first, so an address one of them frees can be taken in the same change.
    const ordered = [...keys].map((key) => ({ key, service: this.#lookup(key) }));
    ordered.sort((a, b) => Number(a.service !== undefined) - Number(b.service !== undefined));
    for (const { key, service } of ordered) this.#syncService(key, service, local);
  }

  #lookup(key: ObjectKey): Service | undefined {
    const slash = key.indexOf('/');
    const service = this.#view.service(key.slice(0, slash), key.slice(slash + 1));
    return service !== undefined && isProxied(service) ? service : undefined;
  }

  #syncService(key: ObjectKey, service: Service | undefined, isLocal: (ip: string) => boolean): void {
    const previous = this.#services.get(key);
    const next = new Map<string, ServicePortState>();
    if (service !== undefined) {
      let counters = this.#counters.get(key);
      if (counters === undefined) {
        counters = { connections: 0, bytesIn: 0, bytesOut: 0, errors: 0 };
        this.#counters.set(key, counters);
      }
      const slices = this.#view.endpointSlices(service.namespace, service.name);
      for (const port of service.ports) {
        if (port.protocol === 'SCTP') {
          this.#warnOnce(key, `SCTP ${port.port}`, { port: port.name }, `service ${key}: SCTP port ${port.port} is not proxied`);
          continue;
        }
        const portKey = `${port.protocol}/${port.name}`;
        const state = previous?.get(portKey) ?? new ServicePortState(key, counters, this.#scheduler);
        state.update(service, port, slices);
        next.set(portKey, state);
        this.#claimFrontends(service, port, state, isLocal);
      }
    }
    for (const [portKey, state] of previous ?? []) {
      if (next.get(portKey) !== state) for (const frontendKey of [...state.frontends]) this.#release(frontendKey);
    }
    if (next.size > 0) {
      this.#services.set(key, next);
    } else {
      this.#services.delete(key);
      this.#counters.delete(key);
      this.#warned.delete(key);
    }
  }

  /** Opens the listeners the port should have and has not, closes those it has and should not. */
  #claimFrontends(service: Service, port: ServicePort, state: ServicePortState, isLocal: (ip: string) => boolean): void {
    const wanted = new Set<string>();
    for (const spec of frontendsFor(service, port, this.#nodeAddress)) {
      if (!isLocal(spec.address)) {
        // External IPs usually belong to other nodes; cluster IPs and the node address must be here.
        if (spec.kind !== 'externalIP') this.#bindFailed(state.serviceKey, spec, 'ENOTLOCAL', 'no local interface has this address');
        continue;
      }
      const existing = this.#frontends.get(spec.key);
      if (existing === undefined) {
        wanted.add(spec.key);
        this.#open(spec, state);
      } else if (existing.state === state) {
        wanted.add(spec.key);
      } else if (existing.state.frontends.has(spec.key)) {
        this.#bindFailed(state.serviceKey, spec, 'EADDRINUSE', `already proxied for service ${existing.state.serviceKey}`);
      } else {
        wanted.add(spec.key);
        existing.state = state;
        state.frontends.add(spec.key);
      }
    }
    for (const frontendKey of [...state.frontends]) if (!wanted.has(frontendKey)) this.#release(frontendKey);
  }

  #open(spec: FrontendSpec, state: ServicePortState): void {
    const frontend = spec.protocol === 'TCP' ? new TcpFrontend(spec, state, this.#frontendOptions) : new UdpFrontend(spec, state, this.#frontendOptions);
    this.#frontends.set(spec.key, frontend);
    this.#opening.add(frontend);
    state.frontends.add(spec.key);
    const opening = frontend.open().then(
      () => {
        this.#opening.delete(frontend);
        if (this.#frontends.get(spec.key) === frontend && frontend.state.frontends.has(spec.key)) {
          this.#logger.debug({ service: frontend.state.serviceKey, listener: spec.key }, 'proxy listening');
        } else {
          this.#drop(spec.key, frontend);
        }
      },
      (error: NodeJS.ErrnoException) => {
        this.#opening.delete(frontend);
        const owner = frontend.state;
        const claimed = owner.frontends.has(spec.key);
        this.#drop(spec.key, frontend);
        if (claimed) this.#bindFailed(owner.serviceKey, spec, error.code ?? 'EUNKNOWN', error.message);
      },
    );
    this.#pending.add(opening);
    void opening.finally(() => this.#pending.delete(opening));
  }

  /**
   * The port no longer wants this listener. One still opening stays in the table unclaimed, so a
   * service taking the address in the meantime adopts it instead of racing it for the bind.
   */
  #release(frontendKey: string): void {
    const frontend = this.#frontends.get(frontendKey);
    if (frontend === undefined) return;
    frontend.state.frontends.delete(frontendKey);
    if (!this.#opening.has(frontend)) this.#drop(frontendKey, frontend);
  }

  #drop(frontendKey: string, frontend: Frontend): void {
    frontend.state.frontends.delete(frontendKey);
    if (this.#frontends.get(frontendKey) === frontend) this.#frontends.delete(frontendKey);
    frontend.close();
  }

  #bindFailed(serviceKey: ObjectKey, spec: FrontendSpec, code: string, problem: string): void {
    const error = new ProxyBindError(serviceKey, spec.protocol, spec.address, spec.port, code, problem);
    this.#warnOnce(serviceKey, spec.key, { err: error, code }, error.message);
  }

  #warnOnce(serviceKey: ObjectKey, what: string, fields: Record<string, unknown>, message: string): void {
    let warned = this.#warned.get(serviceKey);
    if (warned === undefined) {
      warned = new Set();
      this.#warned.set(serviceKey, warned);
    }
    if (warned.has(what)) return;
    warned.add(what);
    this.#logger.warn({ service: serviceKey, ...fields }, message);
  }
}

function checkNodeAddress(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const canonical = canonicalIP(address);
  if (canonical === null) throw new ProxyConfigError('nodeAddress', `expected an IP address, got '${address}'`);
  return canonical;
}

function checkTimeout(option: string, ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new ProxyConfigError(option, `expected a positive duration, got ${ms} ms`);
  return ms;
}
