import type { CounterCell, CounterFamily } from '../../metrics/families.ts';
import { counter } from '../../metrics/registry.ts';

/**
 * Client addresses a family keeps a series for (per thread); later clients count under
 * `client_ip="other"`. The external plugin keeps one per address ever seen, which a flood from
 * spoofed sources would grow without end, here and in Prometheus.
 */
export const MAX_CLIENT_SERIES = 1000;
export const OTHER_CLIENTS = 'other';

/** A counter labelled by client address, its cells looked up once per address. */
export class ClientCounter {
  private readonly family: CounterFamily;
  private readonly cells = new Map<string, CounterCell>();

  constructor(family: CounterFamily) {
    this.family = family;
  }

  inc(address: string): void {
    let cell = this.cells.get(address);
    if (cell === undefined) {
      // The cell of "other" is made only once it is needed, so it is not exposed at 0 before.
      cell = this.cells.size >= MAX_CLIENT_SERIES ? this.family.cell(OTHER_CLIENTS) : this.family.cell(address);
      if (this.cells.size < MAX_CLIENT_SERIES) this.cells.set(address, cell);
    }
    cell.inc();
  }
}

/** coredns_rrl_responses_exceeded_total{client_ip}, as the external plugin's metrics.go. */
export const responsesExceeded = new ClientCounter(
  counter({ name: 'coredns_rrl_responses_exceeded_total', help: 'Counter of responses exceeding QPS limit.', labelNames: ['client_ip'] }),
);

/** coredns_rrl_requests_exceeded_total{client_ip}. */
export const requestsExceeded = new ClientCounter(
  counter({ name: 'coredns_rrl_requests_exceeded_total', help: 'Counter of requests exceeding QPS limit.', labelNames: ['client_ip'] }),
);
