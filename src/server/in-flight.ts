import { counter } from '../metrics/registry.ts';

/** How many answers a listener (on one thread) may owe at once: chains still waiting on an upstream or another thread. */
export interface InFlightLimits {
  /** All clients together; past it new queries are turned away, so memory stays bounded whatever the load. 0: no limit. */
  readonly maxPending: number;
  /** One client address; past it that client's new queries are turned away, so it cannot take every slot. 0: no limit. */
  readonly maxPendingPerClient: number;
}

/**
 * Unbound's num-queries-per-thread (4096 with libevent) for the listener: above `max_concurrent
 * 1000` of kubeadm's forward, so that limit answers first where it is set, and a bound where it
 * is not (CoreDNS's default has none). A client gets a sixteenth: no pod's stub resolver keeps 256
 * questions open, and one crash-looping client cannot hold forward's 1000 slots alone.
 */
export const DEFAULT_IN_FLIGHT_LIMITS: InFlightLimits = { maxPending: 4096, maxPendingPerClient: 256 };

const rejects = counter({
  name: 'clusterdns_dns_inflight_rejects_total',
  help: 'Queries turned away (UDP dropped, TCP refused) because their listener, or their client on it, already owed as many answers as it may.',
  labelNames: ['server', 'limit'],
});

/** The answers one listener owes, in all and per client address. */
export class InFlight {
  private readonly limits: InFlightLimits;
  private total = 0;
  private readonly byClient = new Map<string, number>();
  private readonly listenerRejects;
  private readonly clientRejects;

  constructor(server: string, limits: InFlightLimits) {
    this.limits = limits;
    this.listenerRejects = rejects.cell(server, 'listener');
    this.clientRejects = rejects.cell(server, 'client');
  }

  /** Whether a query from `client` may start; counts it when not. Free while nothing is owed, the common case. */
  admits(client: string): boolean {
    if (this.total === 0) return true;
    const { maxPending, maxPendingPerClient } = this.limits;
    if (maxPending > 0 && this.total >= maxPending) {
      this.listenerRejects.inc();
      return false;
    }
    const owed = this.byClient.get(client);
    if (owed !== undefined && maxPendingPerClient > 0 && owed >= maxPendingPerClient) {
      this.clientRejects.inc();
      return false;
    }
    return true;
  }

  /** A chain returned a promise for `client`: owed until `settled`. */
  owe(client: string): void {
    this.total++;
    this.byClient.set(client, (this.byClient.get(client) ?? 0) + 1);
  }

  settled(client: string): void {
    this.total--;
    const owed = (this.byClient.get(client) ?? 1) - 1;
    if (owed === 0) this.byClient.delete(client);
    else this.byClient.set(client, owed);
  }
}
