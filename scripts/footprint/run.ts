/**
 * `npm run footprint`: clusterdns's memory as a user meets it, at three cluster sizes. For each:
 * a fake API server (child process) serving real-sized objects, kubeadm's Corefile pointing at it,
 * `node bin/clusterdns.js -conf Corefile` started as a user starts it, the sync time to /ready,
 * RSS after sync, a query burst (child process), RSS after it. The server runs in a memory
 * cgroup with the coredns Deployment's limit (cgroup.ts), as it would in a pod. `--runs N` does
 * all of that N times per size and adds each size's medians. Loopback only.
 * README.md beside this file says how to read the table.
 */
import { closeSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/test-support/ports.ts';
import { cpuSecondsBetween, foreignCpuSeconds, processTree, snapshotProcesses, type ProcessSnapshot } from '../bench/cpu-accounting.ts';
import { installExitHooks, startProcess } from '../bench/processes.ts';
import { startApiServer } from './apiserver.ts';
import { openMemoryCgroup, type MemoryCgroup, type MemoryLimit } from './cgroup.ts';
import { footprintCorefile, readKubeadmCorefile } from './corefile.ts';
import { memoryDeath } from './death.ts';
import { formulaForLayout, formulaPods } from './formula.ts';
import { scrapeHeap, waitFor200 } from './http.ts';
import { DEFAULT_BURST, runBurst, type BurstResult } from './load.ts';
import { FootprintOptionsError, parseFootprintOptions, USAGE, type FootprintOptions } from './options.ts';
import { treeMemory } from './procfs.ts';
import { deathText, formatReport, groupRuns, limitLine, runLabel, summarizeRuns, type FootprintRow, type MemorySample, type RowLimit, type RunPhase, type ServerDeath, type SyncCpu } from './report.ts';
import { endpointCount, type FootprintSize } from './sizes.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'clusterdns.js');
const SETTLE_MS = 2000;
const READY_POLL_MS = 15;
const SYNC_TIMEOUT_MS = 180_000;
const SEED_TIMEOUT_MS = 300_000;
/** SIGTERM, then SIGKILL: health's `lameduck 5s` keeps the server up 5 s after SIGTERM by design. */
const STOP_GRACE_MS = 7000;

const tempDirs = new Set<string>();
/** Cgroups made and not yet removed: the exit hook removes them. */
const cgroups = new Set<MemoryCgroup>();

function log(text: string): void {
  process.stderr.write(`footprint: ${text}\n`);
}

async function sample(pid: number, metricsUrl: string): Promise<MemorySample> {
  const memory = await treeMemory(pid);
  return { memory, heap: await scrapeHeap(metricsUrl) };
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Who used the CPU while the server synced: it, the fake API server, and everything else on the host. */
function syncCpuSeconds(before: ProcessSnapshot, after: ProcessSnapshot, serverPid: number, apiPid: number): SyncCpu {
  const server = processTree(after, serverPid);
  const mine = new Set([...server, apiPid, process.pid]);
  return {
    server: cpuSecondsBetween(before, after, server),
    apiServer: cpuSecondsBetween(before, after, [apiPid]),
    other: foreignCpuSeconds(before, after, mine),
  };
}

/**
 * The memory limit of each run's server: a fresh cgroup per run (its peak and OOM count are that
 * run's), or none, and why. A cgroup that cannot be made is warned about once; the runs after
 * run without a limit too.
 */
class MemoryLimits {
  private readonly limit: MemoryLimit | null;
  private failure: string | null = null;

  constructor(limit: MemoryLimit | null) {
    this.limit = limit;
  }

  /** `label` names the run (`small`, or `small run 2` with --runs > 1), so that each run's cgroup is new. */
  open(label: string): { cgroup: MemoryCgroup | null; limit: RowLimit } {
    if (this.limit === null) return { cgroup: null, limit: { kind: 'none', reason: '--memory-limit none' } };
    if (this.failure === null) {
      const outcome = openMemoryCgroup(`clusterdns-footprint-${process.pid}-${label.replace(/\W/g, '-')}`, this.limit);
      if ('cgroup' in outcome) {
        const cgroup = outcome.cgroup;
        cgroups.add(cgroup);
        return { cgroup, limit: { kind: 'cgroup', text: this.limit.text, bytes: this.limit.bytes, version: cgroup.version, dir: cgroup.dir, swapNote: cgroup.swapNote } };
      }
      this.failure = outcome.reason;
      log(`warning: cannot run the server under a ${this.limit.text} memory limit; measuring without one (${outcome.reason})`);
    }
    return { cgroup: null, limit: { kind: 'none', reason: this.failure } };
  }
}

/** Removes a cgroup whose process has ended; a failure is warned about, not thrown (the run's own error matters more). */
function removeCgroup(cgroup: MemoryCgroup): void {
  try {
    cgroup.remove();
    cgroups.delete(cgroup);
  } catch (error) {
    log(`warning: could not remove ${cgroup.dir}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Waits at most `ms` for the server to end; whether it did. */
async function endedWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return ended;
}

/** One run of one size; `label` (report.ts's runLabel) names it in the log, its cgroup and its errors. */
async function measure(size: FootprintSize, label: string, queries: number, limits: MemoryLimits, workers: number | null): Promise<FootprintRow> {
  const dir = await mkdtemp(join(tmpdir(), `footprint-${label.replace(/\W/g, '-')}-`));
  tempDirs.add(dir);
  log(`${label}: seeding the fake API server`);
  const api = await startApiServer(size.layout, dir, SEED_TIMEOUT_MS);
  try {
    log(`${label}: seeded in ${(api.ready.seedMs / 1000).toFixed(1)} s; starting clusterdns`);
    const [dnsPort, healthPort, readyPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()] as [number, number, number, number];
    const corefile = join(dir, 'Corefile');
    const options = { dnsPort, healthPort, readyPort, metricsPort, kubeconfig: api.ready.kubeconfig, pods: size.podsMode, autopath: size.autopath };
    await writeFile(corefile, footprintCorefile(await readKubeadmCorefile(), options));
    const logPath = join(dir, 'clusterdns.log');
    const logFd = openSync(logPath, 'w');
    const { cgroup, limit } = limits.open(label);
    if (cgroup) log(`${label}: in cgroup ${cgroup.dir} (${limit.kind === 'cgroup' ? limit.text : ''})`);
    const serverArgs = [BIN, '-conf', corefile, ...(workers === null ? [] : ['-workers', String(workers)])];
    const command = cgroup ? cgroup.wrap(process.execPath, serverArgs) : { command: process.execPath, args: serverArgs };
    const cpuBefore = await snapshotProcesses();
    const spawnedAt = performance.now();
    let server;
    try {
      server = startProcess(command.command, command.args, {
        cwd: ROOT,
        stdio: ['ignore', logFd, logFd],
        deadlineMs: SYNC_TIMEOUT_MS + 10 * 60_000,
      });
    } catch (error) {
      if (cgroup) removeCgroup(cgroup);
      throw error;
    } finally {
      closeSync(logFd);
    }
    let exited = false;
    const serverGone = new AbortController();
    void server.exited.then(() => {
      exited = true;
      serverGone.abort(new Error('the server exited'));
    });
    let phase: RunPhase = 'sync';
    let syncMs: number | null = null;
    let syncCpu: SyncCpu | null = null;
    let afterSync: MemorySample | null = null;
    let afterBurst: MemorySample | null = null;
    let burst: BurstResult | null = null;
    let stopped: FootprintRow['stopped'] = null;
    let death: ServerDeath | null = null;
    const ending = () => {
      const stats = cgroup?.stats() ?? null;
      return { signal: server.child.signalCode, exitCode: server.child.exitCode, cgroup: cgroup && stats ? { version: cgroup.version, counters: stats.counters } : null, output: tail(logPath, 40) };
    };
    try {
      try {
        syncMs = await waitFor200(`http://127.0.0.1:${readyPort}/ready`, {
          since: spawnedAt,
          intervalMs: READY_POLL_MS,
          timeoutMs: SYNC_TIMEOUT_MS,
          gone: () => exited,
        });
        const cpuAfter = await snapshotProcesses();
        syncCpu = cpuBefore && cpuAfter ? syncCpuSeconds(cpuBefore, cpuAfter, server.pid, api.pid) : null;
        log(`${label}: ready after ${(syncMs / 1000).toFixed(2)} s; settling`);
        const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
        phase = 'the settle after sync';
        await sleep(SETTLE_MS);
        afterSync = await sample(server.pid, metricsUrl);
        if (queries > 0) {
          phase = 'the burst';
          log(`${label}: burst of ${queries} queries`);
          burst = await runBurst({ port: dnsPort, layout: size.layout, count: queries, ...DEFAULT_BURST }, serverGone.signal);
          log(`${label}: ${burst.answered} answered, ${burst.lost} lost, ${Math.round(burst.qps)} QPS; settling`);
          phase = 'the settle after the burst';
          await sleep(SETTLE_MS);
          afterBurst = await sample(server.pid, metricsUrl);
        }
        phase = 'stopping';
        const stopping = performance.now();
        await server.stop(STOP_GRACE_MS);
        stopped = { ms: performance.now() - stopping, killed: server.child.signalCode === 'SIGKILL' };
        // Killed at the limit while it shut down: counted, though every figure was taken.
        death = memoryDeath(ending(), phase);
      } catch (error) {
        // A server that died of memory is a result: the row says so and the next size runs.
        const ended = await endedWithin(server.exited, 3000);
        death = ended ? memoryDeath(ending(), phase) : null;
        if (!death) {
          const output = tail(logPath, 20);
          const how = ended ? ` (the server ended during ${phase} by ${server.child.signalCode ?? `exit code ${server.child.exitCode}`})` : '';
          throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}${how}${output ? `\nclusterdns output (last lines):\n${output}` : ''}`);
        }
      }
    } finally {
      await server.stop(STOP_GRACE_MS);
    }
    // The server has ended: what its cgroup saw, then the cgroup goes.
    const cgroupStats = cgroup?.stats() ?? null;
    if (cgroup) removeCgroup(cgroup);
    const row: FootprintRow = {
      size: size.name,
      services: size.layout.services,
      endpoints: endpointCount(size.layout),
      pods: size.layout.pods,
      podsMode: size.podsMode,
      autopath: size.autopath,
      syncMs,
      syncCpu,
      afterSync,
      afterBurst,
      burst,
      formulaMb: formulaForLayout(size.layout, size.autopath),
      formulaPods: formulaPods(size.layout),
      target: size.target,
      apiServer: api.ready,
      stopped,
      limit,
      cgroup: cgroupStats,
      death,
    };
    if (death) log(`${label}: ${deathText(row)} (${death.evidence}); going on`);
    return row;
  } finally {
    await api.stop(3000);
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  }
}

/**
 * Warns when bin/clusterdns.js would run a dist/ older than src/ (the numbers would be of old
 * code): some src/X.ts newer than both its dist/X.js and the last build. The build is incremental
 * and leaves outputs whose text did not change untouched, so dist/.tsbuildinfo dates the build.
 */
function warnIfStaleBuild(): void {
  const src = join(ROOT, 'src');
  const dist = join(ROOT, 'dist');
  let lastBuild = 0;
  try {
    lastBuild = statSync(join(dist, '.tsbuildinfo')).mtimeMs;
  } catch {
    // no incremental build info: each output's own time decides
  }
  const stale = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .filter((file) => {
      let built: number;
      try {
        built = statSync(join(dist, file.replace(/\.ts$/, '.js'))).mtimeMs;
      } catch {
        return false; // not part of the build (test support), or not built at all: bin/clusterdns.js says so
      }
      return statSync(join(src, file)).mtimeMs > Math.max(built, lastBuild);
    });
  if (stale.length > 0) log(`warning: dist/ is older than src/ for ${stale.length} file(s) (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}): run \`npm run build\` first`);
}

async function main(options: FootprintOptions): Promise<void> {
  warnIfStaleBuild();
  const rows: FootprintRow[] = [];
  const limits = new MemoryLimits(options.memoryLimit);
  for (const size of options.sizes) {
    for (let run = 1; run <= options.runs; run++) rows.push(await measure(size, runLabel(size.name, run, options.runs), options.queries, limits, options.workers));
  }
  const report = formatReport(rows);
  process.stdout.write(`${report}\n`);
  process.stdout.write(`server threads: ${options.workers === null ? `its default (the CPUs it may use: ${availableParallelism()} here)` : `-workers ${options.workers}`}\n`);
  if (options.json) {
    // `runs` and `summaries` only with --runs > 1, so that --runs 1 writes the JSON it always has.
    const repeated = options.runs > 1 ? { runs: options.runs, summaries: groupRuns(rows).map(summarizeRuns) } : {};
    const result = { date: new Date().toISOString(), node: process.version, queries: options.queries, workers: options.workers, memoryLimit: limitLine(rows), rows, ...repeated };
    await writeFile(options.json, `${JSON.stringify(result, null, 2)}\n`);
    log(`JSON written to ${options.json}`);
  }
}

let options: FootprintOptions;
try {
  options = parseFootprintOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof FootprintOptionsError)) throw error;
  process.stderr.write(`${error.message}\n${USAGE}\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
} else {
  installExitHooks();
  process.once('exit', () => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    // After installExitHooks' hook has killed the children: a cgroup can go once its process has.
    for (const cgroup of cgroups) {
      for (const pid of cgroup.pids()) {
        try {
          process.kill(pid, 'SIGKILL'); // only ever our server: the cgroup is one we made for it
        } catch {
          // already gone
        }
      }
      try {
        cgroup.remove();
      } catch (error) {
        process.stderr.write(`footprint: could not remove ${cgroup.dir}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  });
  await main(options);
}
