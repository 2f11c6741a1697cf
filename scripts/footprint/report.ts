/** The measurements of one run, and the markdown table `npm run footprint` prints. */
import type { ApiServerReady } from './apiserver.ts';
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

export interface FootprintRow {
  readonly size: string;
  readonly services: number;
  readonly endpoints: number;
  readonly pods: number;
  readonly podsMode: FootprintSize['podsMode'];
  readonly autopath: boolean;
  /** From spawning `node bin/clusterdns.js` to /ready answering 200, ms. */
  readonly syncMs: number;
  /** Null off Linux. */
  readonly syncCpu: SyncCpu | null;
  readonly afterSync: MemorySample;
  /** Null when the run had no burst (`--queries 0`). */
  readonly afterBurst: MemorySample | null;
  readonly burst: BurstResult | null;
  readonly formulaMb: number;
  /** The pods the formula counted. */
  readonly formulaPods: number;
  readonly target: FootprintSize['target'];
  readonly apiServer: ApiServerReady;
  /** How the server stopped after SIGTERM: by itself within the grace period, or killed. */
  readonly stopped: { readonly ms: number; readonly killed: boolean };
}

export function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The RSS a row is judged by: after the burst, else after sync. */
export function judgedRss(row: FootprintRow): number {
  return (row.afterBurst ?? row.afterSync).memory.rssBytes;
}

/** The peak the kernel saw (VmHWM), at the last sample. */
export function peakRss(row: FootprintRow): number {
  return (row.afterBurst ?? row.afterSync).memory.hwmBytes;
}

export function ratioToFormula(row: FootprintRow): number {
  return judgedRss(row) / MB / row.formulaMb;
}

export function targetText(target: FootprintSize['target']): string {
  return `≤ ${target.rssMb} MB${target.syncMs === undefined ? '' : `, sync < ${target.syncMs / 1000} s`}`;
}

/** `yes`, or `no` with every reason. */
export function verdict(row: FootprintRow): string {
  const reasons: string[] = [];
  const rssMb = judgedRss(row) / MB;
  if (rssMb > row.target.rssMb) reasons.push(`RSS ${rssMb.toFixed(0)} > ${row.target.rssMb}`);
  if (row.target.syncMs !== undefined && row.syncMs >= row.target.syncMs) reasons.push(`sync ${seconds(row.syncMs)}`);
  if (row.burst && row.burst.lost > 0) reasons.push(`${row.burst.lost} lost`);
  return reasons.length === 0 ? 'yes' : `no (${reasons.join(', ')})`;
}

function heapText(row: FootprintRow): string {
  const sync = row.afterSync.heap;
  const burst = row.afterBurst?.heap;
  if (!sync && !burst) return '-';
  return [sync, burst].filter((h) => h !== undefined).map((h) => (h ? mb(h.heapUsedBytes) : '-')).join(' / ');
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

export function formatRow(row: FootprintRow): string[] {
  return [
    row.size,
    `${thousands(row.services)} / ${thousands(row.endpoints)} / ${thousands(row.pods)}`,
    seconds(row.syncMs),
    mb(row.afterSync.memory.rssBytes),
    row.afterBurst ? mb(row.afterBurst.memory.rssBytes) : '-',
    mb(peakRss(row)),
    heapText(row),
    burstText(row),
    `${row.formulaMb.toFixed(1)}${row.autopath ? ' (autopath)' : ''}`,
    ratioToFormula(row).toFixed(2),
    targetText(row.target),
    verdict(row),
  ];
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The table and the notes that say how to read it. */
export function formatReport(rows: readonly FootprintRow[]): string {
  const notes = [
    'MB = 2^20 bytes. RSS = VmRSS of the server process (with any children), read from /proc ~2 s after sync and after the burst;',
    'peak = VmHWM at the last reading. heap = nodejs_heap_size_used_bytes from /metrics ("-" when not exported).',
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
      `  Server stopped ${row.stopped.killed ? 'by SIGKILL' : 'by itself'} ${seconds(row.stopped.ms)} after SIGTERM.`,
    ];
    return lines.filter((line) => line !== '').join('\n');
  });
  return [markdownTable(HEADER, rows.map(formatRow)), '', ...notes, '', ...seeding].join('\n');
}
