import { TOP_DIMENSIONS, type TopDimensionName } from '../../top-cli/document.ts';
import { mergeSummaries } from './merge.ts';
import { SpaceSaving, type CountSummary } from './space-saving.ts';

/** The heavy hitters of every dimension, with when counting began: what a thread reports. */
export interface ClientsSummary {
  readonly k: number;
  /** When the counting began, in ms since the epoch (the oldest of merged parts). */
  readonly since: number;
  readonly counts: Readonly<Record<TopDimensionName, CountSummary>>;
}

/** The top `k` clients by address in each dimension, in fixed memory: 3k Space-Saving counters. */
export class ClientTracker {
  readonly k: number;
  readonly since = Date.now();
  readonly queries: SpaceSaving;
  readonly nxdomain: SpaceSaving;
  readonly expansions: SpaceSaving;

  constructor(k: number) {
    this.k = k;
    this.queries = new SpaceSaving(k);
    this.nxdomain = new SpaceSaving(k);
    this.expansions = new SpaceSaving(k);
  }

  summary(): ClientsSummary {
    return {
      k: this.k,
      since: this.since,
      counts: { queries: this.queries.summary(), nxdomain: this.nxdomain.summary(), expansions: this.expansions.summary() },
    };
  }
}

/** Several summaries as one, kept to the largest K among them (see mergeSummaries for the bounds). */
export function mergeClients(parts: readonly ClientsSummary[]): ClientsSummary | null {
  if (parts.length === 0) return null;
  const k = Math.max(...parts.map((part) => part.k));
  const since = Math.min(...parts.map((part) => part.since));
  const counts = Object.fromEntries(
    TOP_DIMENSIONS.map((dimension) => [dimension, mergeSummaries(parts.map((part) => part.counts[dimension]), k)]),
  ) as Record<TopDimensionName, CountSummary>;
  return { k, since, counts };
}
