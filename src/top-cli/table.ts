import { TOP_DIMENSIONS, type TopDimension, type TopDimensionName, type TopDocument, type TopEntry } from './document.ts';

const TITLES: Readonly<Record<TopDimensionName, string>> = {
  queries: 'QUERIES',
  nxdomain: 'NXDOMAIN',
  expansions: 'SEARCH-PATH EXPANSIONS',
};

/** The poll before this one, for rates over the interval between them. */
export interface PreviousPoll {
  readonly document: TopDocument;
  /** ms since the epoch. */
  readonly at: number;
}

export interface TableOptions {
  /** Where the document came from, for the heading. */
  readonly server: string;
  /** Rows per dimension. */
  readonly limit: number;
  /** When the document was read, ms since the epoch. */
  readonly at: number;
  readonly previous: PreviousPoll | null;
}

function duration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

function who(entry: TopEntry): string {
  if (entry.pod !== null) return `${entry.namespace ?? '?'}/${entry.pod}`;
  return entry.namespace === null ? '-' : `${entry.namespace}/?`;
}

/** Lines of left-aligned text columns and right-aligned number columns. */
function columns(rows: readonly (readonly string[])[], numeric: readonly boolean[]): string[] {
  const widths = numeric.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * Per second: over the interval since the previous poll where the client was listed then too
 * (and counting did not start again in between), else the average since counting began.
 */
function rater(dimension: TopDimensionName, document: TopDocument, options: TableOptions): (entry: TopEntry) => string {
  const { previous, at } = options;
  const sinceStart = Math.max(1, at - Date.parse(document.since)) / 1000;
  if (previous === null || previous.document.since !== document.since || at <= previous.at) {
    return (entry) => (entry.count / sinceStart).toFixed(1);
  }
  const before = new Map(previous.document.dimensions[dimension].entries.map((entry) => [entry.client, entry.count]));
  const interval = (at - previous.at) / 1000;
  return (entry) => {
    const count = before.get(entry.client);
    return count === undefined ? (entry.count / sinceStart).toFixed(1) : (Math.max(0, entry.count - count) / interval).toFixed(1);
  };
}

function section(name: TopDimensionName, dimension: TopDimension, document: TopDocument, options: TableOptions): string[] {
  const rate = rater(name, document, options);
  const heading = `${TITLES[name]}: ${dimension.total} in all` + (dimension.othersAtMost > 0 ? `, any client not listed at most ${dimension.othersAtMost}` : '');
  const shown = dimension.entries.slice(0, options.limit);
  if (shown.length === 0) return [heading, '  (none)'];
  const rows = [['CLIENT', 'NAMESPACE/POD', 'COUNT', 'ERROR', 'PER SEC'], ...shown.map((entry) => [entry.client, who(entry), String(entry.count), String(entry.error), rate(entry)])];
  return [heading, ...columns(rows, [false, false, true, true, true]).map((line) => `  ${line}`)];
}

/** The document as the terminal shows it: a heading, then the heaviest clients of each dimension. */
export function renderTable(document: TopDocument, options: TableOptions): string {
  const threads = document.threads === 1 ? '1 thread' : `${document.threads} threads`;
  const lines = [`clusterdns top: ${options.server}, K=${document.k}, ${threads}, counting for ${duration(options.at - Date.parse(document.since))} (since ${document.since})`];
  for (const name of TOP_DIMENSIONS) lines.push('', ...section(name, document.dimensions[name], document, options));
  lines.push('', 'A COUNT overstates the true count by at most its ERROR.');
  return `${lines.join('\n')}\n`;
}
