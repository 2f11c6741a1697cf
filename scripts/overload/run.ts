/**
 * `npm run overload`: does a flooding client hurt the others? Starts clusterdns on
 * 127.0.0.1 over the benchmark's synthetic cluster, runs several normal clients (dnsperf, each from
 * its own 127.0.0.x address, at a fixed rate) alone, then beside a flooding client at ten times
 * one client's rate, without and with `rrl`, and prints the normal clients' latency (p50, p99, max,
 * from `dnsperf -v`) and lost queries side by side. Not part of `npm test`: it takes about a minute
 * and its figures depend on the host. Needs dnsperf and dig, and a built dist/ (`npm run build`).
 */
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSecondsBetween, foreignCpuSeconds, processTree, snapshotProcesses, treeRssMiB, waitForQuietHost } from '../bench/cpu-accounting.ts';
import { waitUntilAnswering } from '../bench/dig.ts';
import { parseDnsperfOutput, type DnsperfStats } from '../bench/dnsperf-output.ts';
import { DEFAULT_GENERATE_OPTIONS, generateBench, writeBench } from '../bench/generate.ts';
import { commandExists, installExitHooks, killAllChildren, runCommand, startProcess } from '../bench/processes.ts';
import { findFreePort } from '../bench/system.ts';
import { percentile, responseLatenciesMs } from './latency.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const SERVER_ENTRY = join(REPO_ROOT, 'bin', 'clusterdns.js');
const READINESS_NAME = 'kubernetes.default.svc.cluster.local';
/** dnsperf's slack beyond -l: its query timeout and start-up. */
const DNSPERF_SLACK_SECONDS = 30;
/** Normal clients send from 127.0.0.11, .12, ...; the flooder from this one. */
const FLOODER_ADDRESS = '127.0.0.100';
const P99_TARGET_MS = 2;

interface Options {
  readonly seconds: number;
  readonly clients: number;
  readonly clientQps: number;
  readonly floodFactor: number;
  /** Also flood as fast as dnsperf can (no -Q): the server saturated. */
  readonly floodMax: boolean;
  /** Only the scenarios whose label contains this; null for all. */
  readonly only: string | null;
  /** clusterdns's -workers; null for its default (1 where taskset pins it to one CPU). */
  readonly workers: number | null;
  /** Every scenario is run this many times, in a rotating order, so a busy moment of the host does not fall on one alone. */
  readonly rounds: number;
  /** Before each measured run, wait (at most this long) for the host to be at most QUIET_BUSY_PERCENT busy. */
  readonly quietWaitSeconds: number;
  readonly json: string | null;
}

const QUIET_BUSY_PERCENT = 25;

const USAGE = `usage: npm run overload -- [--seconds 10] [--rounds 5] [--clients 4] [--client-qps 1000] [--flood-factor 10] [--flood-max] [--only LABEL]
                                    [--workers N] [--quiet-wait 30] [--json FILE]`;

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seconds: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '5' },
      'quiet-wait': { type: 'string', default: '30' },
      clients: { type: 'string', default: '4' },
      'client-qps': { type: 'string', default: '1000' },
      'flood-factor': { type: 'string', default: '10' },
      'flood-max': { type: 'boolean', default: false },
      only: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const positive = (name: string, text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: expected a positive integer, got ${JSON.stringify(text)}\n${USAGE}`);
    return value;
  };
  return {
    seconds: positive('seconds', values.seconds),
    clients: positive('clients', values.clients),
    clientQps: positive('client-qps', values['client-qps']),
    floodFactor: positive('flood-factor', values['flood-factor']),
    floodMax: values['flood-max'],
    only: values.only ?? null,
    workers: values.workers === undefined ? null : positive('workers', values.workers),
    rounds: positive('rounds', values.rounds),
    quietWaitSeconds: Number(values['quiet-wait']) || 0,
    json: values.json ?? null,
  };
}

/** One server configuration under one load. */
interface Scenario {
  readonly label: string;
  readonly rrl: boolean;
  /** The flooder's -Q; 0 for as fast as it can; null for no flooder. */
  readonly floodQps: number | null;
}

function scenarios(options: Options): Scenario[] {
  const floodQps = options.clientQps * options.floodFactor;
  const list: Scenario[] = [
    { label: 'no flood', rrl: false, floodQps: null },
    { label: `flood ${options.floodFactor}x, no rrl`, rrl: false, floodQps },
    { label: `flood ${options.floodFactor}x, rrl`, rrl: true, floodQps },
  ];
  if (options.floodMax) list.push({ label: 'flood max, no rrl', rrl: false, floodQps: 0 }, { label: 'flood max, rrl', rrl: true, floodQps: 0 });
  return options.only === null ? list : list.filter((scenario) => scenario.label.includes(options.only!));
}

/**
 * The allowances, from a normal client's rate: twice its requests, half its rate for one name's
 * answers (the hottest name of the Zipf mix takes about a tenth), its whole rate for NXDOMAIN (a
 * quarter of the mix, one account per zone). Loopback clients share a /24, hence /32.
 */
function rrlBlock(clientQps: number): string {
  return [
    '    rrl cluster.local {',
    '        ipv4-prefix-length 32',
    `        requests-per-second ${2 * clientQps}`,
    `        responses-per-second ${clientQps / 2}`,
    `        nxdomains-per-second ${clientQps}`,
    '        slip-ratio 2',
    '    }',
  ].join('\n');
}

function corefile(port: number, metricsPort: number, manifests: string, scenario: Scenario, clientQps: number): string {
  return [
    `.:${port} {`,
    '    bind 127.0.0.1',
    `    prometheus 127.0.0.1:${metricsPort}`,
    ...(scenario.rrl ? [rrlBlock(clientQps)] : []),
    '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
    `        manifests ${manifests}`,
    '        pods insecure',
    '        ttl 5',
    '    }',
    '}',
    '',
  ].join('\n');
}

interface Pinning {
  readonly server: readonly string[];
  readonly load: readonly string[];
  readonly describe: string;
}

/** The server on CPU 0 and every dnsperf on CPU 1, as the bench's split layout, where it can. */
async function pinning(): Promise<Pinning> {
  if (os.availableParallelism() >= 2 && (await commandExists('taskset'))) {
    return { server: ['taskset', '-c', '0'], load: ['taskset', '-c', '1'], describe: 'server on CPU 0, dnsperf on CPU 1' };
  }
  return { server: [], load: [], describe: 'not pinned' };
}

interface ClientResult {
  readonly address: string;
  readonly stats: DnsperfStats;
  readonly latenciesMs: readonly number[];
}

async function dnsperf(pin: Pinning, port: number, queries: string, address: string, seconds: number, load: string[], verbose: boolean): Promise<ClientResult> {
  const args = [...pin.load, 'dnsperf', '-s', '127.0.0.1', '-p', String(port), '-a', address, '-d', queries, '-l', String(seconds), ...load, ...(verbose ? ['-v'] : [])];
  const result = await runCommand(args[0]!, args.slice(1), (seconds + DNSPERF_SLACK_SECONDS) * 1000);
  const output = `${result.stdout}${result.stderr}`;
  return { address, stats: parseDnsperfOutput(output), latenciesMs: verbose ? responseLatenciesMs(result.stdout) : [] };
}

/** A normal client: one socket, a fixed rate, a few queries outstanding. */
const normalLoad = (qps: number) => ['-c', '1', '-q', '20', '-t', '2', '-Q', String(qps)];

/**
 * The flooder keeps sending whether or not it hears back, as a crash-looping job does: room for a
 * second of its rate outstanding, and a one-second timeout. As fast as it can, it is 4 sockets with
 * 60000 outstanding and a quarter-second timeout: dnsperf stops sending while its outstanding
 * queries go unanswered (with one socket and 20000 it sent 1.8k qps to a server dropping them
 * all), where this sent 126k qps.
 */
const floodLoad = (qps: number) => [
  ...(qps === 0 ? ['-c', '4', '-q', '60000', '-t', '0.25'] : ['-c', '1', '-q', String(Math.min(60_000, qps)), '-t', '1', '-Q', String(qps)]),
  // A line per dropped query (`[Timeout] Query timed out`, late answers) is work for this script
  // that the other processes pay for, and megabytes that overflow its buffer.
  '-O',
  'suppress=timeouts,unexpected,congestion,sendfailed',
];

interface ScenarioResult {
  readonly scenario: Scenario;
  readonly round: number;
  readonly normal: readonly ClientResult[];
  readonly flooder: ClientResult | null;
  readonly serverCpuSeconds: number | null;
  readonly otherCpuSeconds: number | null;
  readonly hostBusyBeforePercent: number | null;
  readonly rssMiB: number | null;
  /** coredns_rrl_*, clusterdns_dns_inflight_* and clusterdns_dns_fair_share_* lines of /metrics after the run. */
  readonly metrics: readonly string[];
}

async function scrape(metricsPort: number): Promise<string[]> {
  try {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    const text = await response.text();
    return text.split('\n').filter((line) => /^(coredns_rrl_|clusterdns_dns_inflight_|clusterdns_dns_fair_share_)/.test(line));
  } catch (error) {
    return [`(metrics unavailable: ${(error as Error).message})`];
  }
}

async function runScenario(scenario: Scenario, round: number, options: Options, pin: Pinning, manifests: string, queries: string, workDir: string, progress: (line: string) => void): Promise<ScenarioResult> {
  const port = await findFreePort();
  const metricsPort = await findFreePort();
  const corefilePath = join(workDir, `Corefile.${scenario.label.replace(/\W+/g, '-')}`);
  await writeFile(corefilePath, corefile(port, metricsPort, manifests, scenario, options.clientQps));
  const logPath = `${corefilePath}.log`;
  const log = openSync(logPath, 'w');
  const args = [...pin.server, process.execPath, SERVER_ENTRY, '-conf', corefilePath, ...(options.workers === null ? [] : ['-workers', String(options.workers)])];
  const server = startProcess(args[0]!, args.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', log, log], deadlineMs: (120 + 4 * options.seconds) * 1000 });
  closeSync(log);
  let exited = false;
  void server.exited.then(() => (exited = true));
  try {
    if (!(await waitUntilAnswering(port, READINESS_NAME, 60_000, () => !exited))) throw new Error(`${scenario.label}: the server did not answer ${READINESS_NAME}; see ${logPath}`);
    const addresses = Array.from({ length: options.clients }, (_, i) => `127.0.0.${11 + i}`);
    progress(`${scenario.label} (round ${round}): warming up`);
    await Promise.all(addresses.map((address) => dnsperf(pin, port, queries, address, 2, normalLoad(options.clientQps), false)));
    const host = await waitForQuietHost(QUIET_BUSY_PERCENT, options.quietWaitSeconds);
    if (!host.quiet) progress(`${scenario.label}: host still ${fixed(host.busyPercent, 0)}% busy after ${options.quietWaitSeconds} s: measuring anyway`);
    const hostBusyBeforePercent = host.busyPercent;
    progress(`${scenario.label}: ${options.clients} clients at ${options.clientQps} qps${scenario.floodQps === null ? '' : ` and a flooder at ${scenario.floodQps || 'max'} qps`} for ${options.seconds} s`);
    const before = await snapshotProcesses();
    // The flooder's own figures are a side show: a dnsperf that fails costs them, not the run.
    const flooding =
      scenario.floodQps === null
        ? Promise.resolve(null)
        : dnsperf(pin, port, queries, FLOODER_ADDRESS, options.seconds, floodLoad(scenario.floodQps), false).catch((error: unknown) => {
            progress(`${scenario.label}: the flooder's dnsperf failed, its figures are missing: ${(error as Error).message}`);
            return null;
          });
    const [flooder, ...normal] = await Promise.all([
      flooding,
      ...addresses.map((address) => dnsperf(pin, port, queries, address, options.seconds, normalLoad(options.clientQps), true)),
    ]);
    const after = await snapshotProcesses();
    const serverTree = before && after ? new Set([...processTree(before, server.pid), ...processTree(after, server.pid)]) : null;
    const metrics = await scrape(metricsPort);
    const rssMiB = await treeRssMiB(server.pid);
    if (exited) throw new Error(`${scenario.label}: the server exited during the load; see ${logPath}`);
    return {
      scenario,
      round,
      normal: normal as ClientResult[],
      flooder,
      serverCpuSeconds: serverTree && before && after ? cpuSecondsBetween(before, after, serverTree) : null,
      otherCpuSeconds: serverTree && before && after ? foreignCpuSeconds(before, after, new Set([...serverTree, process.pid])) : null,
      hostBusyBeforePercent,
      rssMiB,
      metrics,
    };
  } finally {
    await server.stop();
  }
}

const fixed = (value: number | null, digits = 2): string => (value === null ? '-' : value.toFixed(digits));

function median(values: readonly number[]): number | null {
  return percentile(values, 0.5);
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** One run's figures for the normal clients together. */
function normalFigures(result: ScenarioResult) {
  const latencies = result.normal.flatMap((client) => client.latenciesMs);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: percentile(latencies, 1),
    sent: sum(result.normal.map((client) => client.stats.sent)),
    lost: sum(result.normal.map((client) => client.stats.lost)),
  };
}

/** A row per scenario: medians over its rounds, each round's p99, totals of sent and lost. */
function renderTable(scenarioList: readonly Scenario[], results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'p50 ms', 'p99 ms (median)', 'p99 ms per round', 'max ms', 'sent', 'lost', 'flooder sent', 'flooder answered', 'server CPU s', 'other CPU s', 'RSS MiB'];
  const rows = scenarioList.map((scenario) => {
    const runs = results.filter((result) => result.scenario === scenario);
    const figures = runs.map(normalFigures);
    const numbers = (pick: (figure: (typeof figures)[number]) => number | null) => figures.map(pick).filter((value): value is number => value !== null);
    const floods = runs.flatMap((run) => (run.flooder === null ? [] : [run.flooder.stats]));
    return [
      scenario.label,
      fixed(median(numbers((f) => f.p50)), 3),
      fixed(median(numbers((f) => f.p99)), 3),
      figures.map((f) => fixed(f.p99, 2)).join(' '),
      fixed(Math.max(...numbers((f) => f.max)), 1),
      String(sum(numbers((f) => f.sent))),
      String(sum(numbers((f) => f.lost))),
      floods.length === 0 ? '-' : String(sum(floods.map((stats) => stats.sent))),
      floods.length === 0 ? '-' : String(sum(floods.map((stats) => stats.completed))),
      fixed(median(runs.map((run) => run.serverCpuSeconds).filter((value): value is number => value !== null))),
      runs.map((run) => fixed(run.otherCpuSeconds, 1)).join(' '),
      fixed(median(runs.map((run) => run.rssMiB).filter((value): value is number => value !== null)), 0),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function verdicts(scenarioList: readonly Scenario[], results: readonly ScenarioResult[]): string[] {
  return scenarioList.map((scenario) => {
    const figures = results.filter((result) => result.scenario === scenario).map(normalFigures);
    const p99 = median(figures.map((f) => f.p99).filter((value): value is number => value !== null));
    const lost = sum(figures.map((f) => f.lost));
    const ok = p99 !== null && p99 <= P99_TARGET_MS && lost === 0;
    return `${scenario.label}: normal clients' median p99 ${fixed(p99, 3)} ms, ${lost} lost: ${ok ? 'within' : 'OUTSIDE'} the target (p99 <= ${P99_TARGET_MS} ms, none lost)`;
  });
}

/** Round r runs the scenarios starting from the r-th, so none always follows the same one. */
function rotated<T>(items: readonly T[], by: number): T[] {
  return items.map((_, index) => items[(index + by) % items.length]!);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const progress = (line: string): void => void process.stderr.write(`overload: ${line}\n`);
  for (const tool of ['dnsperf', 'dig']) if (!(await commandExists(tool))) throw new Error(`${tool} is not installed (apt-get install -y dnsperf bind9-dnsutils)`);
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli.js'))) throw new Error('dist/ is not built: run `npm run build` first');
  installExitHooks();
  const pin = await pinning();
  const workDir = await mkdtemp(join(os.tmpdir(), 'clusterdns-overload-'));
  try {
    const files = await writeBench(generateBench({ ...DEFAULT_GENERATE_OPTIONS }), workDir, 0);
    const scenarioList = scenarios(options);
    const results: ScenarioResult[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      for (const scenario of rotated(scenarioList, round - 1)) {
        results.push(await runScenario(scenario, round, options, pin, files.manifests, files.queries, workDir, progress));
      }
    }
    const loadavg = os.loadavg().map((value) => value.toFixed(2)).join(' ');
    process.stdout.write(`\n${renderTable(scenarioList, results)}\n\n`);
    process.stdout.write(`${options.clients} normal clients at ${options.clientQps} qps each (127.0.0.11+), a flooder at ${options.floodFactor}x one client's rate (${FLOODER_ADDRESS}); `);
    process.stdout.write(`${options.rounds} rounds of ${options.seconds} s per scenario; sent and lost are totals over the rounds; ${pin.describe}; ${os.availableParallelism()} CPUs\n`);
    process.stdout.write(`host busy before each measured run (all CPUs): ${results.map((r) => `${fixed(r.hostBusyBeforePercent, 0)}%`).join(', ')}; load average at the end ${loadavg}\n`);
    process.stdout.write(`rrl (where on): ${rrlBlock(options.clientQps).replace(/\s+/g, ' ').trim()}\n\n`);
    for (const line of verdicts(scenarioList, results)) process.stdout.write(`${line}\n`);
    for (const scenario of scenarioList) {
      const last = results.filter((result) => result.scenario === scenario).at(-1);
      const lines = last?.metrics.filter((line) => !line.endsWith(' 0')) ?? [];
      if (lines.length > 0) process.stdout.write(`\n${scenario.label}, /metrics after its last round:\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
    }
    if (options.json) {
      const summary = results.map((r) => ({
        ...r,
        normal: r.normal.map(({ address, stats, latenciesMs }) => ({ address, stats, p50Ms: percentile(latenciesMs, 0.5), p99Ms: percentile(latenciesMs, 0.99) })),
        flooder: r.flooder && { address: r.flooder.address, stats: r.flooder.stats },
      }));
      await writeFile(options.json, `${JSON.stringify({ date: new Date().toISOString(), options, pinning: pin.describe, results: summary }, null, 2)}\n`);
    }
  } finally {
    killAllChildren();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`overload: ${error instanceof Error ? error.message : String(error)}\n`);
  killAllChildren();
  process.exit(1);
});
