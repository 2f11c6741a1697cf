/** Options of `npm run bench`: command-line flags win over BENCH_* environment variables. */
import { parseArgs } from 'node:util';
import { COREFILE_VARIANTS, corefileVariant } from './corefiles.ts';
import { DEFAULT_GENERATE_OPTIONS } from './generate.ts';
import { LAYOUT_NAMES, type LayoutName } from './system.ts';

export interface RunOptions {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly services: number;
  readonly namespaces: number;
  readonly queries: number;
  readonly seed: number;
  /** clusterdns's port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly only: 'floor' | 'clusterdns' | null;
  /** Corefile variants clusterdns runs with, `kubernetes` first. */
  readonly variants: readonly string[];
  /** Layouts every server is measured in, in this order. */
  readonly layouts: readonly LayoutName[];
  /** Where the JSON result goes; null for the default under scripts/bench/results/. */
  readonly json: string | null;
  readonly keep: boolean;
  readonly startTimeoutSeconds: number;
  /** Longest wait for a quiet host before each measured run; 0 = do not wait. */
  readonly quietWaitSeconds: number;
  /** "Quiet" means at most this percent of all CPUs busy. */
  readonly quietBusyPercent: number;
  /** Extra measured runs when other processes used > 10% of a core during one. */
  readonly retries: number;
  readonly help: boolean;
}

export class RunOptionsError extends Error {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`--${option}: ${message}`);
    this.name = 'RunOptionsError';
    this.option = option;
  }
}

export const USAGE = `usage: npm run bench -- [options]   (each also as BENCH_<NAME> in the environment)
  --seconds N        dnsperf run length per server (10)
  --warmup N         unrecorded dnsperf run before each measurement, seconds (1; 0 = none)
  --services N       generated services, besides kubernetes and kube-dns (${DEFAULT_GENERATE_OPTIONS.services})
  --namespaces N     (${DEFAULT_GENERATE_OPTIONS.namespaces})
  --queries N        lines in the dnsperf query file, replayed in a loop (${DEFAULT_GENERATE_OPTIONS.queries})
  --seed N           generator seed (${DEFAULT_GENERATE_OPTIONS.seed})
  --port N           clusterdns port on 127.0.0.1 (0 = any free port)
  --only floor|clusterdns   measure one server only
  --corefile LIST    extra Corefile variants for clusterdns, comma-separated (${COREFILE_VARIANTS.filter((v) => v.name !== 'kubernetes').map((v) => v.name).join(', ')})
  --layouts LIST     comma-separated (split,shared): split = server pinned to CPU 0 (1 thread),
                     dnsperf -c 4 on CPU 1; shared = nothing pinned, servers on every CPU, dnsperf -c 16
  --json FILE        where to write the JSON result (scripts/bench/results/bench-<time>.json)
  --start-timeout N  seconds a server gets to answer its first query (60)
  --quiet-wait N     before each run wait up to N s for the host to be quiet (60; 0 = no wait)
  --quiet-busy P     quiet = at most P% of all CPUs busy (15)
  --retries N        measure again up to N times when other processes disturbed a run (1)
  --keep             keep the generated temp dir (cluster, queries, Corefiles, logs, raw dnsperf output)`;

function positiveInteger(option: string, text: string, allowZero = false): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RunOptionsError(option, `want a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(text)}`);
  }
  return value;
}

const isLayoutName = (name: string): name is LayoutName => (LAYOUT_NAMES as readonly string[]).includes(name);

export function parseRunOptions(argv: readonly string[], env: NodeJS.ProcessEnv): RunOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      services: { type: 'string' },
      namespaces: { type: 'string' },
      queries: { type: 'string' },
      seed: { type: 'string' },
      port: { type: 'string' },
      only: { type: 'string' },
      corefile: { type: 'string' },
      layouts: { type: 'string' },
      json: { type: 'string' },
      'start-timeout': { type: 'string' },
      'quiet-wait': { type: 'string' },
      'quiet-busy': { type: 'string' },
      retries: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const pick = (name: keyof typeof values & string, envName: string, fallback: string): string => {
    const value = values[name];
    return typeof value === 'string' ? value : env[envName] ?? fallback;
  };
  const only = pick('only', 'BENCH_ONLY', '');
  if (only !== '' && only !== 'floor' && only !== 'clusterdns') throw new RunOptionsError('only', `want floor or clusterdns, got ${JSON.stringify(only)}`);
  const extra = pick('corefile', 'BENCH_COREFILE', '').split(',').map((v) => v.trim()).filter((v) => v !== '' && v !== 'kubernetes');
  for (const name of extra) corefileVariant(name);
  const layouts: LayoutName[] = [];
  for (const name of pick('layouts', 'BENCH_LAYOUTS', LAYOUT_NAMES.join(',')).split(',').map((v) => v.trim()).filter((v) => v !== '')) {
    if (!isLayoutName(name)) throw new RunOptionsError('layouts', `want ${LAYOUT_NAMES.join(' or ')}, got ${JSON.stringify(name)}`);
    if (!layouts.includes(name)) layouts.push(name);
  }
  if (layouts.length === 0) throw new RunOptionsError('layouts', `want at least one of ${LAYOUT_NAMES.join(', ')}`);
  const port = positiveInteger('port', pick('port', 'BENCH_PORT', '0'), true);
  if (port > 65535) throw new RunOptionsError('port', `out of range: ${port}`);
  return {
    seconds: positiveInteger('seconds', pick('seconds', 'BENCH_SECONDS', '10')),
    warmupSeconds: positiveInteger('warmup', pick('warmup', 'BENCH_WARMUP', '1'), true),
    services: positiveInteger('services', pick('services', 'BENCH_SERVICES', String(DEFAULT_GENERATE_OPTIONS.services))),
    namespaces: positiveInteger('namespaces', pick('namespaces', 'BENCH_NAMESPACES', String(DEFAULT_GENERATE_OPTIONS.namespaces))),
    queries: positiveInteger('queries', pick('queries', 'BENCH_QUERIES', String(DEFAULT_GENERATE_OPTIONS.queries))),
    seed: positiveInteger('seed', pick('seed', 'BENCH_SEED', String(DEFAULT_GENERATE_OPTIONS.seed)), true),
    port,
    only: only === '' ? null : only,
    variants: ['kubernetes', ...new Set(extra)],
    layouts,
    json: pick('json', 'BENCH_JSON', '') || null,
    keep: values.keep ?? env.BENCH_KEEP === '1',
    startTimeoutSeconds: positiveInteger('start-timeout', pick('start-timeout', 'BENCH_START_TIMEOUT', '60')),
    quietWaitSeconds: positiveInteger('quiet-wait', pick('quiet-wait', 'BENCH_QUIET_WAIT', '60'), true),
    quietBusyPercent: positiveInteger('quiet-busy', pick('quiet-busy', 'BENCH_QUIET_BUSY', '15')),
    retries: positiveInteger('retries', pick('retries', 'BENCH_RETRIES', '1'), true),
    help: values.help ?? false,
  };
}
