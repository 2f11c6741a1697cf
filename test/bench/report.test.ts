import { describe, expect, it } from 'vitest';
import { parseDnsperfOutput } from '../../scripts/bench/dnsperf-output.ts';
import { computeRatios, renderTable, type TargetResult } from '../../scripts/bench/report.ts';
import type { Layout, LayoutName } from '../../scripts/bench/system.ts';

function statsFor(qps: number, completed: number): ReturnType<typeof parseDnsperfOutput> {
  return parseDnsperfOutput(`  Queries sent:         ${completed}
  Queries completed:    ${completed} (100.00%)
  Queries lost:         0 (0.00%)
  Response codes:       NOERROR ${completed} (100.00%)
  Run time (s):         10.0
  Queries per second:   ${qps}
  Average Latency (s):  0.001000 (min 0.000100, max 0.010000)
`);
}

function result(label: string, kind: TargetResult['kind'], qps: number, cpu: number | null, layout: LayoutName = 'split'): TargetResult {
  return {
    label: `${label} [${layout}]`, layout, kind, variant: kind === 'floor' ? null : 'kubernetes', port: 1, check: { ok: true, checked: 1, failures: [] },
    stats: statsFor(qps, qps * 10), serverCpuSeconds: cpu, dnsperfCpuSeconds: 5, otherCpuSeconds: 0, attempts: 1, idleRssMiB: 40, rssMiB: 50, error: null,
  };
}

describe('bench report', () => {
  it('puts each clusterdns run against the floor, by QPS and by queries per CPU-second', () => {
    const ratios = computeRatios([result('floor', 'floor', 100_000, 10), result('clusterdns/kubernetes', 'clusterdns', 25_000, 5)]);
    expect(ratios).toHaveLength(1);
    expect(ratios[0]!.qps).toBeCloseTo(0.25, 6);
    expect(ratios[0]!.perCpuSecond).toBeCloseTo(0.5, 6);
  });

  it('puts clusterdns against the floor of its own layout only', () => {
    const ratios = computeRatios([
      result('floor', 'floor', 100_000, 10, 'split'),
      result('clusterdns/kubernetes', 'clusterdns', 25_000, 5, 'split'),
      result('floor', 'floor', 200_000, 20, 'shared'),
      result('clusterdns/kubernetes', 'clusterdns', 100_000, 20, 'shared'),
      result('clusterdns/default', 'clusterdns', 50_000, 10, 'shared'),
    ]);
    expect(ratios.map((r) => [r.label, r.floorLabel, r.qps])).toEqual([
      ['clusterdns/kubernetes [split]', 'floor [split]', 0.25],
      ['clusterdns/kubernetes [shared]', 'floor [shared]', 0.5],
      ['clusterdns/default [shared]', 'floor [shared]', 0.25],
    ]);
    expect(computeRatios([result('floor', 'floor', 100_000, 10, 'split'), result('clusterdns/kubernetes', 'clusterdns', 25_000, 5, 'shared')])).toEqual([]);
  });

  it('says under the table how each layout pinned and loaded the servers', () => {
    const layouts: Layout[] = [
      { name: 'split', pinning: { server: ['taskset', '-c', '0'], load: ['taskset', '-c', '1'], describe: 'server on CPU 0, dnsperf on CPU 1 (taskset)' }, serverThreads: 1, dnsperf: { clients: 4, threads: 1, maxOutstanding: 100, timeoutSeconds: 2 } },
      { name: 'shared', pinning: { server: [], load: [], describe: 'nothing pinned' }, serverThreads: 2, dnsperf: { clients: 16, threads: 1, maxOutstanding: 100, timeoutSeconds: 2 } },
    ];
    const table = renderTable([result('floor', 'floor', 100_000, 10, 'split'), result('floor', 'floor', 150_000, 20, 'shared')], layouts, 25);
    expect(table).toContain('split: server on CPU 0, dnsperf on CPU 1 (taskset), 1 server thread; dnsperf -c 4 -T 1 -q 100 -t 2');
    expect(table).toContain('shared: nothing pinned, 2 server threads; dnsperf -c 16 -T 1 -q 100 -t 2');
  });

  it('has no ratio without a floor figure, and lists errors under the table', () => {
    const broken: TargetResult = { ...result('floor', 'floor', 1, 1), stats: null, error: 'did not start' };
    const rows = [broken, result('clusterdns/kubernetes', 'clusterdns', 25_000, null)];
    expect(computeRatios(rows)).toEqual([]);
    const table = renderTable(rows, [], 25);
    expect(table).toContain('floor [split]: did not start');
    expect(table).toMatch(/clusterdns\/kubernetes \[split\]\s+25000/);
  });
});
