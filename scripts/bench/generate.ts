/**
 * Generates the benchmark's inputs: a synthetic cluster as Kubernetes YAML, the dnsperf query
 * file, a Corefile serving the cluster, the query mix, and expected answers to check a server
 * with before loading it. Deterministic for a given seed and shape.
 *
 * Usage: node scripts/bench/generate.ts [--out DIR (scripts/bench/results/data)] [--services 1000] [--namespaces 10]
 *                                       [--queries 100000] [--seed 42] [--port 5310]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AnswerIndex, type ExpectedAnswer, type QueryClass, type QueryType } from './answers.ts';
import { corefileVariant } from './corefiles.ts';
import { renderManifests } from './manifests.ts';
import { buildCluster, DEFAULT_SHAPE, serviceFqdn, type BenchCluster } from './model.ts';
import { seededRandom } from './prng.ts';
import { generateQueries, type DnsQuery } from './queries.ts';

export interface GenerateOptions {
  readonly services: number;
  readonly namespaces: number;
  readonly queries: number;
  readonly seed: number;
}

export const DEFAULT_GENERATE_OPTIONS: GenerateOptions = {
  services: DEFAULT_SHAPE.services,
  namespaces: DEFAULT_SHAPE.namespaces,
  queries: 100_000,
  seed: 42,
};

export interface ExpectedSample extends ExpectedAnswer {
  readonly category: 'A' | 'NXDOMAIN' | 'NODATA' | 'SRV';
  readonly name: string;
  readonly type: QueryType;
}

export interface QueryMix {
  readonly queries: number;
  readonly counts: Readonly<Partial<Record<QueryClass, number>>>;
  /** Percent of all queries, two decimals. */
  readonly percent: Readonly<Partial<Record<QueryClass, number>>>;
}

export interface GeneratedBench {
  readonly options: GenerateOptions;
  readonly cluster: BenchCluster;
  readonly index: AnswerIndex;
  readonly queries: readonly DnsQuery[];
  readonly mix: QueryMix;
  readonly samples: readonly ExpectedSample[];
}

export class GenerateOptionsError extends Error {
  readonly options: GenerateOptions;
  constructor(message: string, options: GenerateOptions) {
    super(`${message}: ${JSON.stringify(options)}`);
    this.name = 'GenerateOptionsError';
    this.options = options;
  }
}

export function measureMix(index: AnswerIndex, queries: readonly DnsQuery[]): QueryMix {
  const counts: Partial<Record<QueryClass, number>> = {};
  for (const q of queries) {
    const cls = index.classify(q.name, q.type);
    counts[cls] = (counts[cls] ?? 0) + 1;
  }
  const percent: Partial<Record<QueryClass, number>> = {};
  for (const [cls, n] of Object.entries(counts) as [QueryClass, number][]) {
    percent[cls] = Math.round((10_000 * n) / queries.length) / 100;
  }
  return { queries: queries.length, counts, percent };
}

const SAMPLES_PER_CATEGORY = 3;

/**
 * A few queries of each category taken from the query stream itself, plus the shapes a short
 * stream might miss: a headless service, its SRV records, one of its pods, and the API server.
 */
function pickSamples(bench: Omit<GeneratedBench, 'samples' | 'mix'>): ExpectedSample[] {
  const { index, cluster } = bench;
  const byCategory = new Map<ExpectedSample['category'], Map<string, ExpectedSample>>();
  const add = (name: string, type: QueryType): void => {
    const cls = index.classify(name, type);
    if (cls === 'CNAME' || cls === 'AAAA') return;
    let seen = byCategory.get(cls);
    if (!seen) byCategory.set(cls, (seen = new Map()));
    const key = `${name} ${type}`;
    if (!seen.has(key)) seen.set(key, { category: cls, name, type, ...index.expected(name, type) });
  };
  for (const q of bench.queries) {
    const seen = byCategory.get(index.classify(q.name, q.type) as ExpectedSample['category']);
    if (!seen || seen.size < SAMPLES_PER_CATEGORY) add(q.name, q.type);
  }
  const headless = cluster.services.find((s) => s.kind === 'Headless');
  if (headless) {
    const fqdn = serviceFqdn(headless, cluster.domain);
    add(fqdn, 'A');
    add(`_${headless.ports[0]!.name}._${headless.ports[0]!.protocol.toLowerCase()}.${fqdn}`, 'SRV');
    const host = headless.endpoints.find((e) => e.hostname)?.hostname;
    if (host) add(`${host}.${fqdn}`, 'A');
  }
  add(`kubernetes.default.svc.${cluster.domain}`, 'A');
  return [...byCategory.values()].flatMap((m) => [...m.values()]);
}

export function generateBench(options: GenerateOptions = DEFAULT_GENERATE_OPTIONS): GeneratedBench {
  if (!Number.isInteger(options.queries) || options.queries < 1) throw new GenerateOptionsError('queries must be a positive integer', options);
  const random = seededRandom(options.seed);
  const cluster = buildCluster(random, { ...DEFAULT_SHAPE, services: options.services, namespaces: options.namespaces });
  const index = new AnswerIndex(cluster);
  const queries = generateQueries(random, cluster, index, options.queries);
  const partial = { options, cluster, index, queries };
  return { ...partial, mix: measureMix(index, queries), samples: pickSamples(partial) };
}

export interface BenchFiles {
  readonly dir: string;
  readonly manifests: string;
  readonly queries: string;
  readonly corefile: string;
  readonly expected: string;
  readonly mix: string;
}

export function benchFilePaths(dir: string): BenchFiles {
  const root = resolve(dir);
  return {
    dir: root,
    manifests: join(root, 'cluster.yaml'),
    queries: join(root, 'queries.txt'),
    corefile: join(root, 'Corefile'),
    expected: join(root, 'expected.json'),
    mix: join(root, 'mix.json'),
  };
}

export function renderQueryFile(queries: readonly DnsQuery[]): string {
  return queries.map((q) => `${q.name} ${q.type}\n`).join('');
}

/** Writes every input file into `dir`; the Corefile serves the cluster on 127.0.0.1:`port`. */
export async function writeBench(bench: GeneratedBench, dir: string, port: number): Promise<BenchFiles> {
  const files = benchFilePaths(dir);
  await mkdir(files.dir, { recursive: true });
  const { services, namespaces, seed } = bench.options;
  const header = `synthetic cluster for the clusterdns benchmark: ${bench.cluster.services.length} services in ${bench.cluster.namespaces.length} namespaces (generate.ts --services ${services} --namespaces ${namespaces} --seed ${seed})`;
  const corefile = corefileVariant('kubernetes').render({
    port,
    manifests: files.manifests,
    auxPorts: { health: 0, ready: 0, metrics: 0, deadUpstream: 0 },
  });
  await Promise.all([
    writeFile(files.manifests, renderManifests(bench.cluster, header)),
    writeFile(files.queries, renderQueryFile(bench.queries)),
    writeFile(files.corefile, corefile),
    writeFile(files.expected, `${JSON.stringify(bench.samples, null, 2)}\n`),
    writeFile(files.mix, `${JSON.stringify({ options: bench.options, ...bench.mix }, null, 2)}\n`),
  ]);
  return files;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(import.meta.dirname, 'results', 'data') },
      services: { type: 'string', default: String(DEFAULT_GENERATE_OPTIONS.services) },
      namespaces: { type: 'string', default: String(DEFAULT_GENERATE_OPTIONS.namespaces) },
      queries: { type: 'string', default: String(DEFAULT_GENERATE_OPTIONS.queries) },
      seed: { type: 'string', default: String(DEFAULT_GENERATE_OPTIONS.seed) },
      port: { type: 'string', default: '5310' },
    },
  });
  const bench = generateBench({
    services: Number(values.services),
    namespaces: Number(values.namespaces),
    queries: Number(values.queries),
    seed: Number(values.seed),
  });
  const files = await writeBench(bench, values.out, Number(values.port));
  process.stdout.write(`${JSON.stringify({ files, services: bench.cluster.services.length, mix: bench.mix.percent })}\n`);
}

if (import.meta.main) await main();
