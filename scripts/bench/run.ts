/**
 * `npm run bench`: clusterdns against the floor server on the same synthetic cluster and query
 * mix, on 127.0.0.1 only, in each layout: `split` (server on CPU 0, dnsperf on CPU 1) and
 * `shared` (nothing pinned, servers on every CPU). Prints a table and the clusterdns/floor
 * ratios per layout, and writes a JSON result. Installs nothing; every child has a deadline and
 * is killed when the run ends.
 */
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { corefileVariant } from './corefiles.ts';
import { FLOOR_DEFAULT_ADDRESS, FLOOR_DEFAULT_NAME } from './floor.ts';
import { generateBench, writeBench, type ExpectedSample } from './generate.ts';
import { measureServer, type MeasureContext, type ServerSpec } from './measure.ts';
import { parseRunOptions, RunOptionsError, USAGE, type RunOptions } from './options.ts';
import { commandExists, installExitHooks, killAllChildren } from './processes.ts';
import { computeRatios, describeLayout, renderTable, type TargetResult } from './report.ts';
import { detectLayout, findFreePort, hostDescription, type Layout } from './system.ts';

const BENCH_DIR = import.meta.dirname;
const REPO_ROOT = resolve(BENCH_DIR, '..', '..');
const SERVER_ENTRY = join(REPO_ROOT, 'bin', 'clusterdns.js');

const progress = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

async function checkTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of ['dnsperf', 'dig']) if (!(await commandExists(tool))) missing.push(tool);
  return missing;
}

/** The floor answers every query with the same A record: that of the hottest A name. */
function floorAnswer(samples: readonly ExpectedSample[]): { name: string; address: string } {
  const sample = samples.find((s) => s.category === 'A' && s.answers.length === 1);
  return sample ? { name: sample.name, address: sample.answers[0]! } : { name: FLOOR_DEFAULT_NAME, address: FLOOR_DEFAULT_ADDRESS };
}

/** A server to measure, in every layout. */
type Server = Omit<ServerSpec, 'layout'>;

async function servers(options: RunOptions, workDir: string, manifests: string, samples: readonly ExpectedSample[]): Promise<Server[]> {
  const specs: Server[] = [];
  if (options.only !== 'clusterdns') {
    const answer = floorAnswer(samples);
    const port = await findFreePort();
    specs.push({
      label: 'floor',
      kind: 'floor',
      variant: null,
      command: process.execPath,
      args: [join(BENCH_DIR, 'floor.ts'), '--host', '127.0.0.1', '--port', String(port), '--name', answer.name, '--address', answer.address],
      port,
      readinessName: answer.name,
      samples: samples.filter((s) => s.type === 'A' && s.name === answer.name),
    });
  }
  if (options.only !== 'floor') {
    const port = options.port || (await findFreePort());
    for (const name of options.variants) {
      const auxPorts = { health: await findFreePort(), ready: await findFreePort(), metrics: await findFreePort(), deadUpstream: await findFreePort() };
      const corefile = join(workDir, `Corefile.${name}`);
      await writeFile(corefile, corefileVariant(name).render({ port, manifests, auxPorts }));
      specs.push({
        label: `clusterdns/${name}`,
        kind: 'clusterdns',
        variant: name,
        command: process.execPath,
        args: [SERVER_ENTRY, '-conf', corefile],
        port,
        readinessName: 'kubernetes.default.svc.cluster.local',
        samples,
      });
    }
  }
  return specs;
}

function inLayout(server: Server, layout: Layout): ServerSpec {
  return {
    ...server,
    label: `${server.label} [${layout.name}]`,
    layout: layout.name,
    args: server.kind === 'floor' ? [...server.args, '--threads', String(layout.serverThreads)] : server.args,
  };
}

function defaultJsonPath(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(BENCH_DIR, 'results', `bench-${stamp}.json`);
}

async function bench(options: RunOptions): Promise<number> {
  const missing = await checkTools();
  if (missing.length > 0) {
    progress(`missing ${missing.join(' and ')}: install with \`apt-get install -y dnsperf bind9-dnsutils\``);
    return 1;
  }
  if (options.only !== 'floor' && !existsSync(SERVER_ENTRY)) {
    progress(`${SERVER_ENTRY} not found: run with --only floor, or build the server first`);
    return 1;
  }
  const layouts = await Promise.all(options.layouts.map(detectLayout));
  const workDir = await mkdtemp(join(os.tmpdir(), 'clusterdns-bench-'));
  // Also on an interrupt or the watchdog, which exit without unwinding to the finally below.
  const removeWorkDir = (): void => rmSync(workDir, { recursive: true, force: true });
  if (!options.keep) process.once('exit', removeWorkDir);
  try {
    progress(`generating ${options.services} services, ${options.queries} queries into ${workDir}`);
    const generated = generateBench({ services: options.services, namespaces: options.namespaces, queries: options.queries, seed: options.seed });
    const files = await writeBench(generated, workDir, options.port);
    progress(`query mix (%): ${JSON.stringify(generated.mix.percent)}`);
    const common: Omit<MeasureContext, 'pinning' | 'dnsperf'> = {
      cwd: REPO_ROOT,
      queriesFile: files.queries,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      startTimeoutSeconds: options.startTimeoutSeconds,
      workDir,
      progress,
      quiet: {
        maxBusyPercent: options.quietBusyPercent,
        maxWaitSeconds: options.quietWaitSeconds,
        retries: options.retries,
        maxOtherCoreShare: 0.1,
      },
    };
    const results: TargetResult[] = [];
    const toMeasure = await servers(options, workDir, files.manifests, generated.samples);
    for (const layout of layouts) {
      progress(describeLayout(layout));
      const context: MeasureContext = { ...common, pinning: layout.pinning, dnsperf: layout.dnsperf };
      for (const server of toMeasure) {
        const spec = inLayout(server, layout);
        const result = await measureServer(spec, context);
        if (result.error) progress(`${spec.label}: ${result.error}`);
        results.push(result);
      }
    }
    const expectedNx = generated.mix.percent.NXDOMAIN ?? 0;
    process.stdout.write(`\n${renderTable(results, layouts, expectedNx)}\n`);
    const jsonPath = resolve(options.json ?? defaultJsonPath());
    await mkdir(dirname(jsonPath), { recursive: true });
    const summary = {
      startedAt: new Date().toISOString(),
      host: hostDescription(),
      options,
      layouts,
      mix: generated.mix,
      results,
      ratios: computeRatios(results),
      workDir: options.keep ? workDir : null,
    };
    await writeFile(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
    progress(`result written to ${jsonPath}${options.keep ? `; inputs and logs kept in ${workDir}` : ''}`);
    const allGood = results.length > 0 && results.every((r) => r.stats && !r.error && r.check?.ok);
    return allGood ? 0 : 1;
  } finally {
    if (!options.keep) {
      process.off('exit', removeWorkDir);
      await rm(workDir, { recursive: true, force: true });
    }
  }
}

async function main(): Promise<void> {
  let options: RunOptions;
  try {
    options = parseRunOptions(process.argv.slice(2), process.env);
  } catch (error) {
    const known = error instanceof RunOptionsError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    if (!known) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  installExitHooks();
  const serverRuns = options.layouts.length * ((options.only === 'clusterdns' ? 0 : 1) + (options.only === 'floor' ? 0 : options.variants.length));
  const perRun = options.quietWaitSeconds + 2 + options.seconds + 30;
  const budgetSeconds = serverRuns * (options.startTimeoutSeconds + options.warmupSeconds + 30 + (1 + options.retries) * perRun) + 120;
  const watchdog = setTimeout(() => {
    progress(`still running after ${budgetSeconds} s: giving up`);
    killAllChildren();
    process.exit(3);
  }, budgetSeconds * 1000);
  watchdog.unref();
  process.exitCode = await bench(options);
}

await main();
