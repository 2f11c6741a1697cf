/** Starts one server, checks its answers with dig, loads it with dnsperf, stops it. */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkSamples, waitUntilAnswering } from './dig.ts';
import { parseDnsperfOutput } from './dnsperf-output.ts';
import type { ExpectedSample } from './generate.ts';
import { runCommand, startProcess } from './processes.ts';
import type { TargetResult } from './report.ts';
import {
  cpuSecondsBetween,
  foreignCpuSeconds,
  processTree,
  reapedChildrenCpuSeconds,
  snapshotProcesses,
  treeRssMiB,
  waitForQuietHost,
} from './cpu-accounting.ts';
import { dnsperfFlags, type DnsperfSettings, type LayoutName, type Pinning } from './system.ts';

export interface ServerSpec {
  readonly label: string;
  readonly layout: LayoutName;
  readonly kind: TargetResult['kind'];
  readonly variant: string | null;
  /** The server's command line, without CPU pinning. */
  readonly command: string;
  readonly args: readonly string[];
  readonly port: number;
  /** A name it answers NOERROR once ready. */
  readonly readinessName: string;
  readonly samples: readonly ExpectedSample[];
}

export interface MeasureContext {
  readonly cwd: string;
  readonly pinning: Pinning;
  readonly dnsperf: DnsperfSettings;
  readonly queriesFile: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly startTimeoutSeconds: number;
  /** Where server logs and raw dnsperf output go. */
  readonly workDir: string;
  readonly progress: (line: string) => void;
  readonly quiet: QuietPolicy;
}

/** How hard to try for a measurement other workloads on the host did not disturb. */
export interface QuietPolicy {
  /** Before each measured run, wait until the host is at most this busy (percent of all CPUs)... */
  readonly maxBusyPercent: number;
  /** ...but no longer than this; 0 skips the wait. */
  readonly maxWaitSeconds: number;
  /** Measure again (up to this many extra times) when other processes used more than... */
  readonly retries: number;
  /** ...this share of one core during the run. */
  readonly maxOtherCoreShare: number;
}

interface RunFigures {
  readonly output: string;
  readonly serverCpuSeconds: number | null;
  readonly dnsperfCpuSeconds: number | null;
  readonly otherCpuSeconds: number | null;
}

/** dnsperf's own slack: -l plus the 2 s query timeout plus start-up; beyond it the run is hung. */
const DNSPERF_SLACK_SECONDS = 30;

export async function runDnsperf(context: MeasureContext, port: number, seconds: number): Promise<string> {
  const command = [
    ...context.pinning.load,
    'dnsperf', '-s', '127.0.0.1', '-p', String(port), '-d', context.queriesFile,
    '-l', String(seconds), ...dnsperfFlags(context.dnsperf),
  ];
  const result = await runCommand(command[0]!, command.slice(1), (seconds + DNSPERF_SLACK_SECONDS) * 1000);
  return `${result.stdout}${result.stderr}`;
}

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '';
  }
}

function failed(spec: ServerSpec, error: string, check: TargetResult['check'] = null): TargetResult {
  return {
    label: spec.label, layout: spec.layout, kind: spec.kind, variant: spec.variant, port: spec.port, check, stats: null,
    serverCpuSeconds: null, dnsperfCpuSeconds: null, otherCpuSeconds: null, attempts: 0, idleRssMiB: null, rssMiB: null, error,
  };
}

/** One dnsperf run with the CPU used meanwhile by the server, by dnsperf and by everything else. */
async function measuredRun(context: MeasureContext, port: number, serverPid: number): Promise<RunFigures> {
  const before = await snapshotProcesses();
  const reapedBefore = await reapedChildrenCpuSeconds();
  const output = await runDnsperf(context, port, context.seconds);
  const reapedAfter = await reapedChildrenCpuSeconds();
  const after = await snapshotProcesses();
  if (!before || !after) return { output, serverCpuSeconds: null, dnsperfCpuSeconds: null, otherCpuSeconds: null };
  const server = new Set([...processTree(before, serverPid), ...processTree(after, serverPid)]);
  return {
    output,
    serverCpuSeconds: cpuSecondsBetween(before, after, server),
    dnsperfCpuSeconds: reapedBefore !== null && reapedAfter !== null ? reapedAfter - reapedBefore : null,
    otherCpuSeconds: foreignCpuSeconds(before, after, new Set([...server, process.pid])),
  };
}

/**
 * Waits for a quiet host and measures, again while other processes disturbed the run; keeps the
 * least disturbed attempt.
 */
async function quietRun(context: MeasureContext, spec: ServerSpec, serverPid: number): Promise<{ figures: RunFigures; attempts: number }> {
  const { quiet } = context;
  let best: RunFigures | null = null;
  let attempts = 0;
  while (attempts <= quiet.retries) {
    if (quiet.maxWaitSeconds > 0) {
      const host = await waitForQuietHost(quiet.maxBusyPercent, quiet.maxWaitSeconds);
      if (!host.quiet) context.progress(`${spec.label}: host still ${host.busyPercent?.toFixed(0)}% busy after ${quiet.maxWaitSeconds} s: measuring anyway`);
    }
    attempts++;
    context.progress(`${spec.label}: dnsperf for ${context.seconds} s${attempts > 1 ? ` (attempt ${attempts})` : ''}`);
    const figures = await measuredRun(context, spec.port, serverPid);
    const other = figures.otherCpuSeconds;
    if (best === null || (other !== null && other < (best.otherCpuSeconds ?? Infinity))) best = figures;
    if (other === null || other <= context.seconds * quiet.maxOtherCoreShare) break;
    context.progress(`${spec.label}: other processes used ${other.toFixed(2)} CPU-s during the run`);
  }
  return { figures: best!, attempts };
}

export async function measureServer(spec: ServerSpec, context: MeasureContext): Promise<TargetResult> {
  // Labels hold '/', spaces and brackets.
  const slug = spec.label.replace(/\W+/g, '-').replace(/^-|-$/g, '');
  const logFile = join(context.workDir, `${slug}.log`);
  const log = openSync(logFile, 'w');
  const commandLine = [...context.pinning.server, spec.command, ...spec.args];
  context.progress(`${spec.label}: starting on 127.0.0.1:${spec.port}: ${commandLine.join(' ')}`);
  const perAttempt = context.quiet.maxWaitSeconds + 2 + context.seconds + DNSPERF_SLACK_SECONDS;
  const deadlineSeconds = context.startTimeoutSeconds + context.warmupSeconds + DNSPERF_SLACK_SECONDS + (1 + context.quiet.retries) * perAttempt;
  const server = startProcess(commandLine[0]!, commandLine.slice(1), {
    cwd: context.cwd,
    stdio: ['ignore', log, log],
    deadlineMs: deadlineSeconds * 1000,
  });
  closeSync(log);
  let exited = false;
  void server.exited.then(() => (exited = true));
  try {
    const ready = await waitUntilAnswering(spec.port, spec.readinessName, context.startTimeoutSeconds * 1000, () => !exited);
    if (!ready) {
      const why = exited ? `exited (code ${server.child.exitCode ?? server.child.signalCode})` : `did not answer ${spec.readinessName} NOERROR in ${context.startTimeoutSeconds} s`;
      return failed(spec, `${why}; log: ${logTail(logFile)}`);
    }
    const check = await checkSamples(spec.port, spec.samples);
    context.progress(`${spec.label}: dig check ${check.ok ? 'ok' : 'FAILED'} (${check.checked} names)`);
    for (const failure of check.failures) context.progress(`  ${failure}`);
    const idleRssMiB = await treeRssMiB(server.pid);
    if (context.warmupSeconds > 0) await runDnsperf(context, spec.port, context.warmupSeconds);
    const { figures, attempts } = await quietRun(context, spec, server.pid);
    const rssMiB = await treeRssMiB(server.pid);
    await writeFile(join(context.workDir, `${slug}.dnsperf.txt`), figures.output);
    if (exited) return failed(spec, `exited during the load; log: ${logTail(logFile)}`, check);
    return {
      label: spec.label, layout: spec.layout, kind: spec.kind, variant: spec.variant, port: spec.port, check,
      stats: parseDnsperfOutput(figures.output),
      serverCpuSeconds: figures.serverCpuSeconds,
      dnsperfCpuSeconds: figures.dnsperfCpuSeconds,
      otherCpuSeconds: figures.otherCpuSeconds,
      attempts,
      idleRssMiB,
      rssMiB,
      error: null,
    };
  } catch (error) {
    return failed(spec, error instanceof Error ? error.message : String(error));
  } finally {
    await server.stop();
  }
}
