/** Options of `npm run footprint`. */
import { parseArgs } from 'node:util';
import { DEFAULT_MEMORY_LIMIT, parseMemorySize, type MemoryLimit } from './cgroup.ts';
import { SIZES, sizeNamed, type FootprintSize } from './sizes.ts';

export interface FootprintOptions {
  readonly sizes: readonly FootprintSize[];
  /** Queries in each size's burst. */
  readonly queries: number;
  /** How many times each size is measured, each time from a fresh fake API server, server and cgroup. */
  readonly runs: number;
  /** Where the JSON result goes; null for none. */
  readonly json: string | null;
  /** The server's memory cgroup limit; null for none (`--memory-limit none`). */
  readonly memoryLimit: MemoryLimit | null;
  /** The server's `-workers`; null for its default (the CPUs it may use). */
  readonly workers: number | null;
  readonly help: boolean;
}

export const DEFAULT_QUERIES = 200_000;
export const DEFAULT_RUNS = 1;

export const USAGE = `usage: npm run footprint -- [options]
  --sizes LIST    cluster sizes, comma-separated, measured in this order (${SIZES.map((s) => s.name).join(',')})
  --queries N     queries in the burst after sync, per size (${DEFAULT_QUERIES}; 0 = no burst)
  --runs N        measure each size N times, each from a fresh fake API server, server and cgroup
                  (${DEFAULT_RUNS}); N > 1 adds a row per size with the median and min-max of the runs.
                  One run is noisy (GC timing, other load): compare medians of 3 or more
  --json FILE     also write the measurements as JSON to FILE
  --memory-limit SIZE
                  run the server in a memory cgroup with this limit, as the coredns Deployment's
                  resources.limits.memory does (${DEFAULT_MEMORY_LIMIT}; Ki/Mi/Gi suffixes; none = no cgroup)
  --workers N     the server's -workers (threads answering queries); default: none given, so the
                  server's own default, the CPUs it may use
  --help          this text

Sizes: ${SIZES.map((s) => `${s.name} = ${s.layout.services} services, ${s.layout.services * s.layout.endpointsPerService} endpoints, ${s.layout.pods} pods (pods ${s.podsMode}${s.autopath ? ', autopath' : ''})`).join('; ')}.
MB = 2^20 bytes.`;

export class FootprintOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FootprintOptionsError';
  }
}

/**
 * `--runs -1` as `--runs=-1`: parseArgs takes a value starting with `-` for a missing one and says the
 * argument is ambiguous. No option is named by a number, so the number is the value, and the check
 * of the option's value can say what is wrong with it.
 */
function joinNegativeNumbers(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (const arg of argv) {
    const previous = args.at(-1);
    if (previous !== undefined && /^--[a-z-]+$/.test(previous) && /^-\d/.test(arg)) args[args.length - 1] = `${previous}=${arg}`;
    else args.push(arg);
  }
  return args;
}

export function parseFootprintOptions(argv: readonly string[]): FootprintOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: joinNegativeNumbers(argv),
      options: {
        sizes: { type: 'string' },
        queries: { type: 'string' },
        runs: { type: 'string' },
        json: { type: 'string' },
        'memory-limit': { type: 'string' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new FootprintOptionsError(error instanceof Error ? error.message : String(error));
  }
  const names = (values.sizes ?? SIZES.map((s) => s.name).join(',')).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new FootprintOptionsError('--sizes: no size given');
  const sizes: FootprintSize[] = [];
  for (const name of names) {
    let size: FootprintSize;
    try {
      size = sizeNamed(name);
    } catch (error) {
      throw new FootprintOptionsError(`--sizes: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!sizes.includes(size)) sizes.push(size);
  }
  const queriesText = values.queries ?? String(DEFAULT_QUERIES);
  const queries = Number(queriesText);
  if (!/^\d+$/.test(queriesText) || !Number.isSafeInteger(queries)) {
    throw new FootprintOptionsError(`--queries: want a non-negative integer, got ${JSON.stringify(queriesText)}`);
  }
  const runsText = values.runs ?? String(DEFAULT_RUNS);
  const runs = Number(runsText);
  if (!/^\d+$/.test(runsText) || !Number.isSafeInteger(runs) || runs === 0) {
    throw new FootprintOptionsError(`--runs: want a positive integer (how many times to measure each size), got ${JSON.stringify(runsText)}`);
  }
  if (values.json === '') throw new FootprintOptionsError('--json: empty file name');
  let memoryLimit: MemoryLimit | null;
  try {
    memoryLimit = parseMemorySize(values['memory-limit'] ?? DEFAULT_MEMORY_LIMIT);
  } catch (error) {
    throw new FootprintOptionsError(`--memory-limit: ${error instanceof Error ? error.message : String(error)}`);
  }
  let workers: number | null = null;
  if (values.workers !== undefined) {
    workers = Number(values.workers);
    if (!/^\d+$/.test(values.workers) || !(workers >= 1)) throw new FootprintOptionsError(`--workers: want a number of threads from 1, got ${JSON.stringify(values.workers)}`);
  }
  return { sizes, queries, runs, json: values.json ?? null, memoryLimit, workers, help: values.help ?? false };
}
