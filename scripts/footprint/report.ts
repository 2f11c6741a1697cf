/** The measurements of each run, their medians over a size's runs, and the markdown table `npm run footprint` prints. */
import type { ApiServerReady } from './apiserver.ts';
import type { CgroupStats, CgroupVersion } from './cgroup.ts';
import type { HeapMetrics } from './http.ts';
import type { BurstResult } from './load.ts';
import type { TreeMemory } from './procfs.ts';
import type { FootprintSize } from './sizes.ts';

export const MB = 2 ** 20;

export interface MemorySample {
  readonly memory: TreeMemory;
  /** Node heap from /metrics; null when the server does not export it. */
  readonly heap: HeapMetrics | null;
}

/** CPU seconds used from spawn to ready. */
export interface SyncCpu {
  readonly server: number;
  readonly apiServer: number;
  /** Every other process on the host: a busy host makes the sync slower than the server is. */
  readonly other: number;
}

/** The memory limit a size ran under: a cgroup of its own, or none and why. */
export type RowLimit =
  | {
    readonly kind: 'cgroup';
    /** As given, e.g. `170Mi`. */
    readonly text: string;
    readonly bytes: number;
    readonly version: CgroupVersion;
    readonly dir: string;
    /** Why swap is not limited too ('' when it is or the kernel has no swap accounting). */
    readonly swapNote: string;
  }
  | { readonly kind: 'none'; readonly reason: string };

/** Where in a size's run the server was when it died. */
export type RunPhase = 'sync' | 'the settle after sync' | 'the burst' | 'the settle after the burst' | 'stopping';

/** The server died of memory before the run was over; what was measured after that is null. */
export interface ServerDeath {
  /** `oom-kill`: SIGKILL confirmed by the cgroup's OOM counters; `heap-limit`: V8 ran out of heap (it aborts). */
  readonly cause: 'oom-kill' | 'heap-limit';
  readonly phase: RunPhase;
  /** The evidence, e.g. `SIGKILL; memory.oom_control oom_kill 1`. */
  readonly evidence: string;
}

export interface FootprintRow {
  readonly size: string;
  readonly services: number;
  readonly endpoints: number;
  readonly pods: number;
  readonly podsMode: FootprintSize['podsMode'];
  readonly autopath: boolean;
  /** From spawning `node bin/clusterdns.js` to /ready answering 200, ms; null when it died before. */
  readonly syncMs: number | null;
  /** Null off Linux, or when the server died during sync. */
  readonly syncCpu: SyncCpu | null;
  /** Null when the server died before it was taken. */
  readonly afterSync: MemorySample | null;
  /** Null when the run had no burst (`--queries 0`) or the server died before it was taken. */
  readonly afterBurst: MemorySample | null;
  /** Null without a burst or when the server died during it. */
  readonly burst: BurstResult | null;
  readonly formulaMb: number;
  /** The pods the formula counted. */
  readonly formulaPods: number;
  readonly target: FootprintSize['target'];
  readonly apiServer: ApiServerReady;
  /** How the server stopped after SIGTERM: by itself within the grace period, or killed; null when it had died. */
  readonly stopped: { readonly ms: number; readonly killed: boolean } | null;
  readonly limit: RowLimit;
  /** The cgroup's peak and OOM counters once the server ended; null without a cgroup. */
  readonly cgroup: CgroupStats | null;
  /** Null when the server lived through the run. */
  readonly death: ServerDeath | null;
}

export function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The last memory sample; null when the server died before the first. */
function lastSample(row: FootprintRow): MemorySample | null {
  return row.afterBurst ?? row.afterSync;
}

/** The RSS a row is judged by: after the burst, else after sync; null when the server died first. */
export function judgedRss(row: FootprintRow): number | null {
  if (row.death && row.death.phase !== 'stopping') return null;
  return lastSample(row)?.memory.rssBytes ?? null;
}

/**
 * The peak the kernel saw (VmHWM), at the last sample; null when the server died after it (the
 * peak came later and /proc no longer has it).
 */
export function peakRss(row: FootprintRow): number | null {
  if (row.death && row.death.phase !== 'stopping') return null;
  return lastSample(row)?.memory.hwmBytes ?? null;
}

export function ratioToFormula(row: FootprintRow): number | null {
  const rss = judgedRss(row);
  return rss === null ? null : rss / MB / row.formulaMb;
}

/** `170Mi (cgroup v1)`, or `none (why)`. */
export function limitText(limit: RowLimit): string {
  return limit.kind === 'cgroup' ? `${limit.text} (cgroup v${limit.version}${limit.swapNote ? `; ${limit.swapNote}` : ''})` : `none (${limit.reason})`;
}

/** What killed the server, for the holds column: `OOM-killed at 170Mi during the burst`. */
export function deathText(row: FootprintRow): string {
  const death = row.death;
  if (!death) return '';
  const at = row.limit.kind === 'cgroup' ? ` at ${row.limit.text}` : '';
  const what = death.cause === 'oom-kill' ? 'OOM-killed' : 'V8 heap limit reached';
  return `${what}${at} during ${death.phase}`;
}

export function targetText(target: FootprintSize['target']): string {
  return `≤ ${target.rssMb} MB${target.syncMs === undefined ? '' : `, sync < ${target.syncMs / 1000} s`}`;
}

/** `yes`, or `no` with every reason. */
export function verdict(row: FootprintRow): string {
  const reasons: string[] = [];
  if (row.death) reasons.push(deathText(row));
  const rss = judgedRss(row);
  if (rss !== null && rss / MB > row.target.rssMb) reasons.push(`RSS ${(rss / MB).toFixed(0)} > ${row.target.rssMb}`);
  if (row.target.syncMs !== undefined && row.syncMs !== null && row.syncMs >= row.target.syncMs) reasons.push(`sync ${seconds(row.syncMs)}`);
  if (row.burst && row.burst.lost > 0) reasons.push(`${row.burst.lost} lost`);
  return reasons.length === 0 ? 'yes' : `no (${reasons.join(', ')})`;
}

function heapText(row: FootprintRow): string {
  const sync = row.afterSync?.heap;
  const burst = row.afterBurst?.heap;
  if (!sync && !burst) return '-';
  if (!row.afterSync) return '-';
  const diedInBurst = row.death?.phase === 'the burst' || row.death?.phase === 'the settle after the burst';
  return [sync, burst ?? (diedInBurst ? null : undefined)].filter((h) => h !== undefined).map((h) => (h ? mb(h.heapUsedBytes) : '-')).join(' / ');
}

function burstText(row: FootprintRow): string {
  if (!row.burst) return '-';
  const b = row.burst;
  return `${b.answered} / ${b.lost} / ${Math.round(b.qps)}`;
}

function burstReplies(burst: BurstResult): string {
  const r = burst.replies;
  const verdict = burst.unexpected === 0 ? 'all as expected' : `${burst.unexpected} NOT as expected`;
  return `${r.answer} with records, ${r.nxdomain} NXDOMAIN, ${r.nodata} NODATA, ${r.other} other rcodes, ${burst.truncated} truncated; ${verdict}` +
    (burst.timeLimited ? `; stopped by the time limit after ${burst.sent} sent` : '');
}

function thousands(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

const HEADER = [
  'size',
  'services / endpoints / pods',
  'sync',
  'RSS after sync',
  'RSS after burst',
  'peak RSS (VmHWM)',
  'heap used (sync / burst)',
  'burst answered / lost / QPS',
  'CoreDNS formula',
  'RSS / formula',
  'target',
  'holds',
];

function orDash(value: number | null, format: (value: number) => string): string {
  return value === null ? '-' : format(value);
}

/** One run's cells; `label` names the run when its size was measured more than once (`small run 2`). */
export function formatRow(row: FootprintRow, label = row.size): string[] {
  return [
    label,
    `${thousands(row.services)} / ${thousands(row.endpoints)} / ${thousands(row.pods)}`,
    row.syncMs === null ? '-' : seconds(row.syncMs),
    row.afterSync ? mb(row.afterSync.memory.rssBytes) : '-',
    row.afterBurst ? mb(row.afterBurst.memory.rssBytes) : '-',
    orDash(peakRss(row), mb),
    heapText(row),
    burstText(row),
    `${row.formulaMb.toFixed(1)}${row.autopath ? ' (autopath)' : ''}`,
    orDash(ratioToFormula(row), (ratio) => ratio.toFixed(2)),
    targetText(row.target),
    verdict(row),
  ];
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** `memory limit: 170Mi (cgroup v1)`: the run's, or each size's (each run's) when they differ. */
export function limitLine(rows: readonly FootprintRow[]): string {
  const texts = rows.map((row) => limitText(row.limit));
  if (new Set(texts).size <= 1) return `memory limit: ${texts[0] ?? 'none'}`;
  return `memory limit: ${labelledRuns(groupRuns(rows)).map(({ row, label }) => `${label} ${limitText(row.limit)}`).join('; ')}`;
}

function cgroupNote(row: FootprintRow): string {
  const stats = row.cgroup;
  if (!stats || row.limit.kind !== 'cgroup') return '';
  const hwm = peakRss(row);
  const peak = stats.peakBytes === null
    ? `no ${stats.peakFile}`
    : `peak ${mb(stats.peakBytes)} MB (${stats.peakFile}: what was charged to the cgroup, page cache and kernel memory included, but not the pages of files other cgroups had cached first, such as node's own binary; so it can be above or below VmHWM)`;
  const v1 = row.limit.version === 1;
  const counted = [
    stats.counters.failcnt === null ? '' : `${v1 ? 'memory.failcnt' : 'memory.events max'} ${stats.counters.failcnt}`,
    stats.counters.oomKills === null ? '' : `oom_kill ${stats.counters.oomKills}`,
  ].filter((text) => text !== '');
  return `  cgroup ${row.limit.dir}: ${peak}; VmHWM ${hwm === null ? '- (the server died after the last reading)' : `${mb(hwm)} MB`}${counted.length > 0 ? `; ${counted.join(', ')}` : ''}.`;
}

function deathNote(row: FootprintRow): string {
  if (!row.death) return '';
  return `  The server died during ${row.death.phase}: ${row.death.cause === 'oom-kill' ? 'OOM-killed' : "V8's heap limit reached"} (${row.death.evidence}); what would have been measured after is "-".`;
}

/** The runs of one size, in the order they were measured. */
export interface SizeRuns {
  readonly size: string;
  readonly runs: readonly [FootprintRow, ...FootprintRow[]];
}

/** Rows by size, sizes in the order first measured: the rows of a size are its runs (`--runs N`). */
export function groupRuns(rows: readonly FootprintRow[]): SizeRuns[] {
  const bySize = new Map<string, [FootprintRow, ...FootprintRow[]]>();
  for (const row of rows) {
    const runs = bySize.get(row.size);
    if (runs) runs.push(row);
    else bySize.set(row.size, [row]);
  }
  return [...bySize].map(([size, runs]) => ({ size, runs }));
}

/** `small` for a size measured once, so that `--runs 1` reads as it always has; `small run 2` among several. */
export function runLabel(size: string, run: number, runs: number): string {
  return runs === 1 ? size : `${size} run ${run}`;
}

function labelledRuns(groups: readonly SizeRuns[]): { row: FootprintRow; label: string }[] {
  return groups.flatMap((group) => group.runs.map((row, i) => ({ row, label: runLabel(group.size, i + 1, group.runs.length) })));
}

/** A figure over a size's runs; `count` is how many runs had it (a run that died lacks what came after). */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/** The median (of an even count, the mean of the middle two) and range of the runs that have the figure; null when none has it. */
export function spread(values: readonly (number | null)[]): Spread | null {
  const known = values.filter((value): value is number => value !== null).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const middle = Math.floor(known.length / 2);
  const median = known.length % 2 === 1 ? known[middle] as number : ((known[middle - 1] as number) + (known[middle] as number)) / 2;
  return { median, min: known[0] as number, max: known[known.length - 1] as number, count: known.length };
}

/** What a size's runs measured together: one run varies too much to judge a change by. */
export interface RunsSummary {
  readonly size: string;
  readonly runs: number;
  readonly syncMs: Spread | null;
  readonly rssAfterSyncBytes: Spread | null;
  readonly rssAfterBurstBytes: Spread | null;
  readonly peakRssBytes: Spread | null;
  readonly heapUsedAfterSyncBytes: Spread | null;
  readonly heapUsedAfterBurstBytes: Spread | null;
  /** What holds judges, as for one run: RSS after the burst, else after sync, of the runs that lived to it. */
  readonly judgedRssBytes: Spread | null;
  /** Queries lost over every run's burst; null when no run had a burst. */
  readonly lost: number | null;
  /** `yes`, or `no` with every reason: the medians against the target, and any run's lost queries or death. */
  readonly holds: string;
}

export function summarizeRuns(group: SizeRuns): RunsSummary {
  const { runs } = group;
  const target = runs[0].target;
  const syncMs = spread(runs.map((row) => row.syncMs));
  const judgedRssBytes = spread(runs.map(judgedRss));
  const bursts = runs.flatMap((row) => (row.burst ? [row.burst] : []));
  const lost = bursts.length === 0 ? null : bursts.reduce((sum, burst) => sum + burst.lost, 0);
  const reasons: string[] = [];
  runs.forEach((row, i) => {
    if (row.death) reasons.push(`run ${i + 1} ${deathText(row)}`);
  });
  if (judgedRssBytes && judgedRssBytes.median / MB > target.rssMb) reasons.push(`median RSS ${(judgedRssBytes.median / MB).toFixed(0)} > ${target.rssMb}`);
  if (target.syncMs !== undefined && syncMs && syncMs.median >= target.syncMs) reasons.push(`median sync ${seconds(syncMs.median)}`);
  const losing = runs.flatMap((row, i) => (row.burst && row.burst.lost > 0 ? [i + 1] : []));
  if (lost) reasons.push(`${lost} lost in ${losing.length === 1 ? 'run' : 'runs'} ${losing.join(', ')}`);
  return {
    size: group.size,
    runs: runs.length,
    syncMs,
    rssAfterSyncBytes: spread(runs.map((row) => row.afterSync?.memory.rssBytes ?? null)),
    rssAfterBurstBytes: spread(runs.map((row) => row.afterBurst?.memory.rssBytes ?? null)),
    peakRssBytes: spread(runs.map(peakRss)),
    heapUsedAfterSyncBytes: spread(runs.map((row) => row.afterSync?.heap?.heapUsedBytes ?? null)),
    heapUsedAfterBurstBytes: spread(runs.map((row) => row.afterBurst?.heap?.heapUsedBytes ?? null)),
    judgedRssBytes,
    lost,
    holds: reasons.length === 0 ? 'yes' : `no (${reasons.join(', ')})`,
  };
}

/** `71.3 (68.0-75.1)`: median (min-max), and how many runs had the figure when not all did. */
export function spreadText(figure: Spread | null, runs: number, format: (value: number) => string, unit = ''): string {
  if (!figure) return '-';
  const partial = figure.count < runs ? `; ${figure.count} of ${runs} runs` : '';
  return `${format(figure.median)}${unit} (${format(figure.min)}-${format(figure.max)}${partial})`;
}

/** The row under a size's runs: the median (min-max) of each figure, and holds judged on the medians. */
export function formatSummaryRow(group: SizeRuns): string[] {
  const first = group.runs[0];
  const summary = summarizeRuns(group);
  const n = summary.runs;
  const heap = [summary.heapUsedAfterSyncBytes, ...(summary.rssAfterBurstBytes ? [summary.heapUsedAfterBurstBytes] : [])];
  const bursts = group.runs.filter((row) => row.burst).length;
  return [
    `${group.size} median (min-max), ${n} runs`,
    `${thousands(first.services)} / ${thousands(first.endpoints)} / ${thousands(first.pods)}`,
    spreadText(summary.syncMs, n, (ms) => (ms / 1000).toFixed(2), ' s'),
    spreadText(summary.rssAfterSyncBytes, n, mb),
    spreadText(summary.rssAfterBurstBytes, n, mb),
    spreadText(summary.peakRssBytes, n, mb),
    heap.every((figure) => figure === null) ? '-' : heap.map((figure) => spreadText(figure, n, mb)).join(' / '),
    summary.lost === null ? '-' : `${summary.lost} lost in ${bursts} burst${bursts === 1 ? '' : 's'}`,
    `${first.formulaMb.toFixed(1)}${first.autopath ? ' (autopath)' : ''}`,
    orDash(summary.judgedRssBytes?.median ?? null, (rss) => (rss / MB / first.formulaMb).toFixed(2)),
    targetText(first.target),
    summary.holds,
  ];
}

/** The table and the notes that say how to read it. */
export function formatReport(rows: readonly FootprintRow[]): string {
  const groups = groupRuns(rows);
  const repeated = groups.some((group) => group.runs.length > 1);
  const notes = [
    limitLine(rows),
    'MB = 2^20 bytes. RSS = VmRSS of the server process (with any children), read from /proc ~2 s after sync and after the burst;',
    'peak = VmHWM at the last reading ("-" when the server died after it). heap = nodejs_heap_size_used_bytes from /metrics ("-" when not exported).',
    'sync = from spawning `node bin/clusterdns.js -conf Corefile` to /ready answering 200.',
    "CoreDNS formula (Scaling_CoreDNS.md): (pods + services)/1000 + 54 MB, with autopath (pods + services)/250 + 56 MB;",
    'pods = the pods behind the endpoints when the fake serves none. target/holds judge RSS after the burst (and sync time, lost queries).',
    ...(repeated
      ? [
        "median (min-max) rows: each figure over the size's runs (the median of an even count is the mean of the middle two); a run that died",
        "lacks what came after. RSS / formula and holds judge the medians; holds also fails on any run's lost queries or death.",
      ]
      : []),
  ];
  const table = groups.flatMap((group) =>
    group.runs.length === 1
      ? [formatRow(group.runs[0])]
      : [...group.runs.map((row, i) => formatRow(row, runLabel(group.size, i + 1, group.runs.length))), formatSummaryRow(group)]
  );
  const seeding = labelledRuns(groups).map(({ row, label }) => {
    const a = row.apiServer;
    const counts = Object.entries(a.objects).filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}s (~${(a.meanBytes[kind as keyof typeof a.meanBytes] / 1024).toFixed(1)} KB each)`);
    const cpu = row.syncCpu;
    const lines = [
      `- ${label}: fake API server seeded ${counts.join(', ')} in ${seconds(a.seedMs)} (its RSS ${mb(a.rssBytes)} MB, not counted).`,
      cpu ? `  CPU during sync: server ${cpu.server.toFixed(2)} s, fake API server ${cpu.apiServer.toFixed(2)} s, other processes ${cpu.other.toFixed(2)} s.` : '',
      row.burst ? `  Burst replies: ${burstReplies(row.burst)}.` : '',
      cgroupNote(row),
      deathNote(row),
      row.stopped ? `  Server stopped ${row.stopped.killed ? 'by SIGKILL' : 'by itself'} ${seconds(row.stopped.ms)} after SIGTERM.` : '',
    ];
    return lines.filter((line) => line !== '').join('\n');
  });
  return [markdownTable(HEADER, table), '', ...notes, '', ...seeding].join('\n');
}
