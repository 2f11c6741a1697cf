/*
 * The JSON document of GET /top: what the `top` plugin serves beside /metrics and `clusterdns top`
 * reads. Both sides use these types; the reader checks every field, as the document comes over
 * the network from whatever answers on that port.
 */

/** Where the `top` plugin serves the document: beside /metrics, on the address of the block's prometheus. */
export const TOP_PATH = '/top';

/** What is counted per client: every query, those answered NXDOMAIN, and the search-path expansions among them. */
export const TOP_DIMENSIONS = ['queries', 'nxdomain', 'expansions'] as const;
export type TopDimensionName = (typeof TOP_DIMENSIONS)[number];

/** One client among the heaviest of a dimension. Its true count lies in [count - error, count]. */
export interface TopEntry {
  /** The client's address, as the server saw it. */
  readonly client: string;
  /** Its pod's namespace and name from the cluster, null where the cluster names none. */
  readonly namespace: string | null;
  readonly pod: string | null;
  readonly count: number;
  readonly error: number;
}

export interface TopDimension {
  /** Everything counted in this dimension, from every client. */
  readonly total: number;
  /** The most a client missing from `entries` can have. */
  readonly othersAtMost: number;
  /** Largest count first. */
  readonly entries: readonly TopEntry[];
}

export interface TopDocument {
  /** Clients tracked per dimension. */
  readonly k: number;
  /** When counting began (ISO 8601). */
  readonly since: string;
  /** Threads whose counts are in the document. */
  readonly threads: number;
  readonly dimensions: Readonly<Record<TopDimensionName, TopDimension>>;
}

/** A /top answer that is not the document: names the field at fault. */
export class TopDocumentError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`not a /top document: ${path} ${problem}`);
    this.name = 'TopDocumentError';
    this.path = path;
  }
}

type Json = Record<string, unknown>;

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TopDocumentError(path, 'is not an object');
  return value as Json;
}

function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TopDocumentError(path, 'is not a count');
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new TopDocumentError(path, 'is not a string');
  return value;
}

function optionalText(value: unknown, path: string): string | null {
  return value === null ? null : text(value, path);
}

function entry(value: unknown, path: string): TopEntry {
  const json = object(value, path);
  return {
    client: text(json.client, `${path}.client`),
    namespace: optionalText(json.namespace, `${path}.namespace`),
    pod: optionalText(json.pod, `${path}.pod`),
    count: count(json.count, `${path}.count`),
    error: count(json.error, `${path}.error`),
  };
}

function dimension(value: unknown, path: string): TopDimension {
  const json = object(value, path);
  if (!Array.isArray(json.entries)) throw new TopDocumentError(`${path}.entries`, 'is not an array');
  return {
    total: count(json.total, `${path}.total`),
    othersAtMost: count(json.othersAtMost, `${path}.othersAtMost`),
    entries: json.entries.map((item, index) => entry(item, `${path}.entries[${index}]`)),
  };
}

/** The document in `value` (parsed JSON), checked field by field. */
export function readTopDocument(value: unknown): TopDocument {
  const json = object(value, 'the document');
  const dimensions = object(json.dimensions, 'dimensions');
  return {
    k: count(json.k, 'k'),
    since: text(json.since, 'since'),
    threads: count(json.threads, 'threads'),
    dimensions: {
      queries: dimension(dimensions.queries, 'dimensions.queries'),
      nxdomain: dimension(dimensions.nxdomain, 'dimensions.nxdomain'),
      expansions: dimension(dimensions.expansions, 'dimensions.expansions'),
    },
  };
}
