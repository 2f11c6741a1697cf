/**
 * `npm run footprint`: clusterdns's memory as a user meets it, at three cluster sizes. For each:
 * a fake API server (child process) serving real-sized objects, kubeadm's Corefile pointing at it,
 * `node bin/clusterdns.js -conf Corefile` started as a user starts it, the sync time to /ready,
 * RSS after sync, a query burst (child process), RSS after it. Loopback only. README.md beside
 * this file says how to read the table.
 */
import { closeSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/helpers/cli.ts';
import { cpuSecondsBetween, foreignCpuSeconds, processTree, snapshotProcesses, type ProcessSnapshot } from '../bench/cpu-accounting.ts';
import { installExitHooks, startProcess } from '../bench/processes.ts';
import { startApiServer } from './apiserver.ts';
import { footprintCorefile, readKubeadmCorefile } from './corefile.ts';
import { formulaForLayout, formulaPods } from './formula.ts';
import { scrapeHeap, waitFor200 } from './http.ts';
import { DEFAULT_BURST, runBurst } from './load.ts';
import { FootprintOptionsError, parseFootprintOptions, USAGE, type FootprintOptions } from './options.ts';
import { treeMemory } from './procfs.ts';
import { formatReport, type FootprintRow, type MemorySample, type SyncCpu } from './report.ts';
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

async function measure(size: FootprintSize, queries: number): Promise<FootprintRow> {
  const dir = await mkdtemp(join(tmpdir(), `footprint-${size.name.replace(/\W/g, '-')}-`));
  tempDirs.add(dir);
  log(`${size.name}: seeding the fake API server`);
  const api = await startApiServer(size.layout, dir, SEED_TIMEOUT_MS);
  try {
    log(`${size.name}: seeded in ${(api.ready.seedMs / 1000).toFixed(1)} s; starting clusterdns`);
    const [dnsPort, healthPort, readyPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()] as [number, number, number, number];
    const corefile = join(dir, 'Corefile');
    const options = { dnsPort, healthPort, readyPort, metricsPort, kubeconfig: api.ready.kubeconfig, pods: size.podsMode, autopath: size.autopath };
    await writeFile(corefile, footprintCorefile(await readKubeadmCorefile(), options));
    const logPath = join(dir, 'clusterdns.log');
    const logFd = openSync(logPath, 'w');
    const cpuBefore = await snapshotProcesses();
    const spawnedAt = performance.now();
    const server = startProcess(process.execPath, [BIN, '-conf', corefile], {
      cwd: ROOT,
      stdio: ['ignore', logFd, logFd],
      deadlineMs: SYNC_TIMEOUT_MS + 10 * 60_000,
    });
    closeSync(logFd);
    let exited = false;
    void server.exited.then(() => (exited = true));
    try {
      const syncMs = await waitFor200(`http://127.0.0.1:${readyPort}/ready`, {
        since: spawnedAt,
        intervalMs: READY_POLL_MS,
        timeoutMs: SYNC_TIMEOUT_MS,
        gone: () => exited,
      });
      const cpuAfter = await snapshotProcesses();
      const syncCpu = cpuBefore && cpuAfter ? syncCpuSeconds(cpuBefore, cpuAfter, server.pid, api.pid) : null;
      log(`${size.name}: ready after ${(syncMs / 1000).toFixed(2)} s; settling`);
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      await sleep(SETTLE_MS);
      const afterSync = await sample(server.pid, metricsUrl);
      let burst = null;
      let afterBurst = null;
      if (queries > 0) {
        log(`${size.name}: burst of ${queries} queries`);
        burst = await runBurst({ port: dnsPort, layout: size.layout, count: queries, ...DEFAULT_BURST });
        log(`${size.name}: ${burst.answered} answered, ${burst.lost} lost, ${Math.round(burst.qps)} QPS; settling`);
        await sleep(SETTLE_MS);
        afterBurst = await sample(server.pid, metricsUrl);
      }
      const stopping = performance.now();
      await server.stop(STOP_GRACE_MS);
      const stopped = { ms: performance.now() - stopping, killed: server.child.signalCode === 'SIGKILL' };
      return {
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
      };
    } catch (error) {
      const output = tail(logPath, 20);
      throw new Error(`${size.name}: ${error instanceof Error ? error.message : String(error)}${output ? `\nclusterdns output (last lines):\n${output}` : ''}`);
    } finally {
      await server.stop(STOP_GRACE_MS);
    }
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
  for (const size of options.sizes) rows.push(await measure(size, options.queries));
  const report = formatReport(rows);
  process.stdout.write(`${report}\n`);
  if (options.json) {
    const result = { date: new Date().toISOString(), node: process.version, queries: options.queries, rows };
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
  });
  await main(options);
}
