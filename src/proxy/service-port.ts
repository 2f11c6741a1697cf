import type { EndpointSlice, IPFamily, Service, ServicePort } from '../cluster/types.ts';
import { AffinityTable } from './affinity.ts';
import { type Backend, type BackendPool, emptyPool, readyEndpoints, rebuildPool } from './backends.ts';
import type { Scheduler } from './scheduler.ts';
import type { ProxyCounters } from './types.ts';

/**
 * What every listener of one service port shares: its ready backends per family, the scheduler's
 * position, client affinities and the service's counters. Updated in place as the cluster changes,
 * so listeners and connections in flight always see the latest backends.
 */
export class ServicePortState {
  /** `namespace/name`. */
  readonly serviceKey: string;
  readonly counters: ProxyCounters;
  /** Keys of the listeners this port owns. */
  readonly frontends = new Set<string>();
  readonly #scheduler: Scheduler;
  #ipv4: BackendPool = emptyPool();
  #ipv6: BackendPool = emptyPool();
  #affinity: AffinityTable | undefined;

  constructor(serviceKey: string, counters: ProxyCounters, scheduler: Scheduler) {
    this.serviceKey = serviceKey;
    this.counters = counters;
    this.#scheduler = scheduler;
  }

  update(service: Service, servicePort: ServicePort, slices: readonly EndpointSlice[]): void {
    const endpoints = readyEndpoints(slices, servicePort);
    this.#ipv4 = rebuildPool(this.#ipv4, endpoints, 'IPv4');
    this.#ipv6 = rebuildPool(this.#ipv6, endpoints, 'IPv6');
    if (service.sessionAffinity === 'ClientIP') {
      const timeoutMs = service.sessionAffinityTimeoutSeconds * 1000;
      if (this.#affinity) this.#affinity.timeoutMs = timeoutMs;
      else this.#affinity = new AffinityTable(timeoutMs);
    } else {
      this.#affinity = undefined;
    }
  }

  /**
   * The backend for a new connection or flow from `clientIP` arriving on a `family` address: its
   * affinity if it has a live one, else the scheduler's pick. Backends of the other family serve
   * when the service has none of this one (a node port on an IPv6 node address for an IPv4-only
   * service). undefined when nothing (untried) is ready.
   */
  choose(family: IPFamily, clientIP: string, tried: ReadonlySet<Backend> | undefined): Backend | undefined {
    const own = family === 'IPv4' ? this.#ipv4 : this.#ipv6;
    const pool = own.backends.length > 0 ? own : family === 'IPv4' ? this.#ipv6 : this.#ipv4;
    if (pool.backends.length === 0) return undefined;
    const affinity = this.#affinity;
    if (affinity === undefined) return this.#scheduler(pool, clientIP, tried);
    const nowMs = performance.now();
    const sticky = affinity.lookup(clientIP, nowMs);
    if (sticky !== undefined && sticky.current && sticky.family === pool.backends[0]?.family && !tried?.has(sticky)) {
      return sticky;
    }
    const backend = this.#scheduler(pool, clientIP, tried);
    if (backend !== undefined) affinity.remember(clientIP, backend, nowMs);
    return backend;
  }

  /** After a failed connect: the client's next pick must not stick to the backend that failed. */
  forget(clientIP: string): void {
    this.#affinity?.forget(clientIP);
  }
}
