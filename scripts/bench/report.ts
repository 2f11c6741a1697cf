/** The benchmark's outcome: per-server rows, the clusterdns/floor ratios per layout, a text table. */
import type { SampleCheck } from './dig.ts';
import { rcodePercent, type DnsperfStats } from './dnsperf-output.ts';
import { dnsperfFlags, type Layout, type LayoutName } from './system.ts';

export interface TargetResult {
  /** `floor` or `clusterdns/<Corefile variant>`, then ` [<layout>]`. */
  readonly label: string;
  readonly layout: LayoutName;
  readonly kind: 'floor' | 'clusterdns';
  readonly variant: string | null;
  readonly port: number;
  readonly check: SampleCheck | null;
  readonly stats: DnsperfStats | null;
  /** CPU seconds the server used during the measured dnsperf run. */
  readonly serverCpuSeconds: number | null;
  readonly dnsperfCpuSeconds: number | null;
  /** CPU seconds of processes outside the benchmark during the run: high means a disturbed figure. */
  readonly otherCpuSeconds: number | null;
  /** Measured runs made (more than one when other processes disturbed the first). */
  readonly attempts: number;
  /** Resident memory once serving, before any load. */
  readonly idleRssMiB: number | null;
  /** Resident memory right after the measured run. */
  readonly rssMiB: number | null;
  /** Why there are no figures (did not start, failed its checks...). */
  readonly error: string | null;
}

export interface Ratio {
  readonly label: string;
  /** The floor of the same layout: the other layout's floor had other CPUs and another load. */
  readonly floorLabel: string;
  /** clusterdns QPS / floor QPS. */
  readonly qps: number;
  /** Completed queries per server CPU-second, clusterdns / floor: fairer when a run is not CPU-bound. */
  readonly perCpuSecond: number | null;
}

export function queriesPerCpuSecond(result: TargetResult): number | null {
  if (!result.stats || !result.serverCpuSeconds) return null;
  return result.stats.completed / result.serverCpuSeconds;
}

export function computeRatios(results: readonly TargetResult[]): Ratio[] {
  return results
    .filter((r) => r.kind === 'clusterdns' && r.stats)
    .flatMap((r) => {
      const floor = results.find((f) => f.kind === 'floor' && f.layout === r.layout && f.stats);
      if (!floor) return [];
      const perCpu = queriesPerCpuSecond(r);
      const floorPerCpu = queriesPerCpuSecond(floor);
      return [{
        label: r.label,
        floorLabel: floor.label,
        qps: r.stats!.qps / floor.stats!.qps,
        perCpuSecond: perCpu !== null && floorPerCpu ? perCpu / floorPerCpu : null,
      }];
    });
}

export function describeLayout(layout: Layout): string {
  const threads = `${layout.serverThreads} server thread${layout.serverThreads === 1 ? '' : 's'}`;
  return `${layout.name}: ${layout.pinning.describe}, ${threads}; dnsperf ${dnsperfFlags(layout.dnsperf).join(' ')}`;
}

const fixed = (value: number | null | undefined, digits: number): string => (value === null || value === undefined ? '-' : value.toFixed(digits));

export function renderTable(results: readonly TargetResult[], layouts: readonly Layout[], expectedNxdomainPercent: number): string {
  const header = ['server', 'QPS', 'avg ms', 'max ms', 'lost', 'NOERROR %', 'NXDOMAIN %', 'other rcodes', 'srv CPU s', 'q/CPU-s', 'dnsperf CPU s', 'other CPU s', 'RSS MiB idle/load', 'check'];
  const rows = results.map((r) => {
    const s = r.stats;
    const other = s ? Object.entries(s.rcodes).filter(([k]) => k !== 'NOERROR' && k !== 'NXDOMAIN').map(([k, v]) => `${k} ${v}`).join(', ') : '';
    const check = r.error ? 'error (below)' : (r.check ? (r.check.ok ? `ok (${r.check.checked})` : `FAIL ${r.check.failures.length}/${r.check.checked}`) : '-');
    return [
      r.label,
      fixed(s?.qps, 0),
      fixed(s?.avgLatencyMs, 3),
      fixed(s?.maxLatencyMs, 3),
      s ? String(s.lost) : '-',
      s ? fixed(rcodePercent(s, 'NOERROR'), 2) : '-',
      s ? fixed(rcodePercent(s, 'NXDOMAIN'), 2) : '-',
      other || (s ? 'none' : '-'),
      fixed(r.serverCpuSeconds, 2),
      fixed(queriesPerCpuSecond(r), 0),
      fixed(r.dnsperfCpuSeconds, 2),
      fixed(r.otherCpuSeconds, 2),
      `${fixed(r.idleRssMiB, 0)}/${fixed(r.rssMiB, 0)}`,
      check,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...layouts.map(describeLayout)];
  for (const r of results) {
    if (r.error) out.push(`${r.label}: ${r.error}`);
    for (const failure of r.check?.failures ?? []) out.push(`${r.label}: wrong answer: ${failure}`);
  }
  for (const ratio of computeRatios(results)) {
    out.push(`${ratio.label} / ${ratio.floorLabel}: QPS ${ratio.qps.toFixed(2)}x, queries per server CPU-second ${fixed(ratio.perCpuSecond, 2)}x`);
  }
  out.push(`expected NXDOMAIN share for clusterdns: ${expectedNxdomainPercent.toFixed(2)}% (the floor answers NOERROR to everything by design)`);
  return out.join('\n');
}
