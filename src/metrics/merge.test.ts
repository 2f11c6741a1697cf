import { describe, expect, it } from 'vitest';
import type { MetricSnapshot } from './families.ts';
import { mergeSnapshots, WorkerTotals } from './merge.ts';

const requests = (value: number, type = 'A'): MetricSnapshot => ({
  name: 'coredns_dns_requests_total',
  help: 'h',
  type: 'counter',
  values: [{ name: 'coredns_dns_requests_total', labels: { type }, value }],
});
const gauge = (name: string, value: number, additive?: boolean): MetricSnapshot => ({
  name,
  help: 'h',
  type: 'gauge',
  values: [{ name, labels: {}, value }],
  ...(additive === undefined ? {} : { additive }),
});

describe('metrics of several threads', () => {
  it('sums counters per label set and keeps label sets one thread alone has', () => {
    const merged = mergeSnapshots([requests(3)], [[requests(4)], [requests(5, 'AAAA')]]);
    expect(merged[0]!.values).toEqual([
      { name: 'coredns_dns_requests_total', labels: { type: 'A' }, value: 7 },
      { name: 'coredns_dns_requests_total', labels: { type: 'AAAA' }, value: 5 },
    ]);
  });

  it("keeps the main thread's gauges unless they add up, and takes a family only a worker has", () => {
    const merged = mergeSnapshots([gauge('coredns_build_info', 1), gauge('coredns_cache_entries', 2, true)], [[gauge('coredns_build_info', 1), gauge('coredns_cache_entries', 3, true), requests(1)]]);
    expect(merged.map((family) => [family.name, family.values[0]!.value])).toEqual([
      ['coredns_build_info', 1],
      ['coredns_cache_entries', 5],
      ['coredns_dns_requests_total', 1],
    ]);
  });

  it("keeps a worker's counts once it is gone, so sums never go backwards, and drops its gauges", () => {
    const totals = new WorkerTotals();
    const sum = (snapshots: ReturnType<WorkerTotals['update']>, name: string) =>
      mergeSnapshots([], snapshots).find((family) => family.name === name)?.values[0]?.value ?? 0;
    const entries = (value: number) => gauge('coredns_cache_entries', value, true);
    expect(sum(totals.update([{ thread: 1, families: [requests(5), entries(2)] }]), 'coredns_dns_requests_total')).toBe(5);
    expect(sum(totals.update([{ thread: 1, families: [requests(7), entries(3)] }]), 'coredns_dns_requests_total')).toBe(7);
    // Thread 1 died after counting 7; its successor, thread 2, starts from nothing.
    const after = totals.update([{ thread: 2, families: [requests(1), entries(1)] }]);
    expect(sum(after, 'coredns_dns_requests_total')).toBe(8);
    expect(sum(after, 'coredns_cache_entries')).toBe(1);
    expect(sum(totals.update([{ thread: 2, families: [requests(4), entries(1)] }]), 'coredns_dns_requests_total')).toBe(11);
  });
});
