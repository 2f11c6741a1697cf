/** The measurements of one run, and the markdown table `npm run footprint` prints. */
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

export function formatRow(row: FootprintRow): string[] {
  return [
    row.size,
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

/** `memory limit: 170Mi (cgroup v1)`: the run's, or each size's when they differ. */
export function limitLine(rows: readonly FootprintRow[]): string {
  const texts = rows.map((row) => limitText(row.limit));
  if (new Set(texts).size <= 1) return `memory limit: ${texts[0] ?? 'none'}`;
  return `memory limit: ${rows.map((row, i) => `${row.size} ${texts[i]}`).join('; ')}`;
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

/** The table and the notes that say how to read it. */
export function formatReport(rows: readonly FootprintRow[]): string {
  const notes = [
    limitLine(rows),
    'MB = 2^20 bytes. RSS = VmRSS of the server process (with any children), read from /proc ~2 s after sync and after the burst;',
    'peak = VmHWM at the last reading ("-" when the server died after it). heap = nodejs_heap_size_used_bytes from /metrics ("-" when not exported).',
    'sync = from spawning `node bin/clusterdns.js -conf Corefile` to /ready answering 200.',
    "CoreDNS formula (Scaling_CoreDNS.md): (pods + services)/1000 + 54 MB, with autopath (pods + services)/250 + 56 MB;",
    'pods = the pods behind the endpoints when the fake serves none. target/holds judge RSS after the burst (and sync time, lost queries).',
  ];
  const seeding = rows.map((row) => {
    const a = row.apiServer;
    const counts = Object.entries(a.objects).filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}s (~${(a.meanBytes[kind as keyof typeof a.meanBytes] / 1024).toFixed(1)} KB each)`);
    const cpu = row.syncCpu;
    const lines = [
      `- ${row.size}: fake API server seeded ${counts.join(', ')} in ${seconds(a.seedMs)} (its RSS ${mb(a.rssBytes)} MB, not counted).`,
      cpu ? `  CPU during sync: server ${cpu.server.toFixed(2)} s, fake API server ${cpu.apiServer.toFixed(2)} s, other processes ${cpu.other.toFixed(2)} s.` : '',
      row.burst ? `  Burst replies: ${burstReplies(row.burst)}.` : '',
      cgroupNote(row),
      deathNote(row),
      row.stopped ? `  Server stopped ${row.stopped.killed ? 'by SIGKILL' : 'by itself'} ${seconds(row.stopped.ms)} after SIGTERM.` : '',
    ];
    return lines.filter((line) => line !== '').join('\n');
  });
  return [markdownTable(HEADER, rows.map(formatRow)), '', ...notes, '', ...seeding].join('\n');
}
