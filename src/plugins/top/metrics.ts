import { gauge, registerCollector } from '../../metrics/registry.ts';
import { TOP_DIMENSIONS, type TopDimensionName } from '../../top-cli/document.ts';
import type { TopBoard } from './board.ts';
import { remembering } from './report.ts';

const LABELS = ['client', 'namespace', 'pod'];

/** The series of each dimension: at most K each, whatever the number of clients. */
const FAMILIES: Readonly<Record<TopDimensionName, { readonly name: string; readonly help: string }>> = {
  queries: {
    name: 'clusterdns_top_client_queries',
    help: 'Queries from each of the K clients asking most, since counting began (Space-Saving: an overestimate by at most the total over K).',
  },
  nxdomain: {
    name: 'clusterdns_top_client_nxdomain',
    help: 'NXDOMAIN answers to each of the K clients getting most, since counting began (Space-Saving: an overestimate by at most the total over K).',
  },
  expansions: {
    name: 'clusterdns_top_client_search_path_expansions',
    help: 'Queries a search domain was appended to, answered NXDOMAIN, from each of the K clients sending most (Space-Saving: an overestimate by at most the total over K).',
  },
};

let registered = false;

/**
 * Sets the clusterdns_top_client_* gauges from `board` at every scrape (on the main thread, once
 * the workers' summaries are in: see index.ts), clients named from the cluster then. Registered
 * once a process; with no `top` left the board is empty and so are the series.
 */
export function publishTopMetrics(board: TopBoard): void {
  if (registered) return;
  registered = true;
  const families = TOP_DIMENSIONS.map((dimension) => [dimension, gauge({ ...FAMILIES[dimension], labelNames: LABELS })] as const);
  registerCollector(() => {
    const { summary } = board.processSummary();
    const identify = remembering((client) => board.identify(client));
    for (const [dimension, family] of families) {
      family.reset();
      for (const { key, count } of summary?.counts[dimension].entries ?? []) {
        const { namespace, pod } = identify(key);
        family.cell(key, namespace ?? '', pod ?? '').set(count);
      }
    }
  });
}
