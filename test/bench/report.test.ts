import { describe, expect, it } from 'vitest';
import { parseDnsperfOutput } from '../../scripts/bench/dnsperf-output.ts';
import { computeRatios, renderTable, type TargetResult } from '../../scripts/bench/report.ts';

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

function result(label: string, kind: TargetResult['kind'], qps: number, cpu: number | null): TargetResult {
  return {
    label, kind, variant: kind === 'floor' ? null : 'kubernetes', port: 1, check: { ok: true, checked: 1, failures: [] },
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

  it('has no ratio without a floor figure, and lists errors under the table', () => {
    const broken: TargetResult = { ...result('floor', 'floor', 1, 1), stats: null, error: 'did not start' };
    const rows = [broken, result('clusterdns/kubernetes', 'clusterdns', 25_000, null)];
    expect(computeRatios(rows)).toEqual([]);
    const table = renderTable(rows, 25);
    expect(table).toContain('floor: did not start');
    expect(table).toMatch(/clusterdns\/kubernetes\s+25000/);
  });
});
