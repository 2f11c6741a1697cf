import { TOP_DIMENSIONS, type TopDimension, type TopDimensionName, type TopDocument } from '../../top-cli/document.ts';
import type { CountSummary } from './space-saving.ts';
import type { ClientsSummary } from './tracker.ts';
import type { ClientIdentity } from './who.ts';

/** Names a client; asked once per client a document or a scrape lists. */
export type Identify = (client: string) => ClientIdentity;

/** `identify` asked at most once per client. */
export function remembering(identify: Identify): Identify {
  const known = new Map<string, ClientIdentity>();
  return (client) => {
    let identity = known.get(client);
    if (identity === undefined) known.set(client, (identity = identify(client)));
    return identity;
  };
}

function dimension(counts: CountSummary, identify: Identify): TopDimension {
  return {
    total: counts.total,
    othersAtMost: counts.floor,
    entries: counts.entries.map(({ key, count, error }) => ({ client: key, ...identify(key), count, error })),
  };
}

const EMPTY: CountSummary = { total: 0, floor: 0, entries: [] };

/** The /top document of `summary` (null before anything counts), clients named by `identify`. */
export function topDocument(summary: ClientsSummary | null, threads: number, k: number, identify: Identify): TopDocument {
  const named = remembering(identify);
  const dimensions = Object.fromEntries(
    TOP_DIMENSIONS.map((name) => [name, dimension(summary?.counts[name] ?? EMPTY, named)]),
  ) as Record<TopDimensionName, TopDimension>;
  return { k: summary?.k ?? k, since: new Date(summary?.since ?? Date.now()).toISOString(), threads, dimensions };
}
