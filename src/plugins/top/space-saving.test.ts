import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test-support/random.ts';
import { mergeSummaries } from './merge.ts';
import { SpaceSaving, type CountSummary } from './space-saving.ts';

/** `length` keys drawn from `distinct` clients with Zipf weights 1/rank^1.1: a few clients ask most. */
function skewedStream(seed: number, length: number, distinct: number): string[] {
  const random = seededRandom(seed);
  const weights = Array.from({ length: distinct }, (_, rank) => 1 / (rank + 1) ** 1.1);
  const cumulative: number[] = [];
  let sum = 0;
  for (const weight of weights) cumulative.push((sum += weight));
  return Array.from({ length }, () => {
    const target = random() * sum;
    let low = 0;
    let high = distinct - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return `10.0.${low >> 8}.${low & 255}`;
  });
}

function exactCounts(stream: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of stream) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function summarize(stream: readonly string[], capacity: number): CountSummary {
  const counters = new SpaceSaving(capacity);
  for (const key of stream) counters.offer(key);
  return counters.summary();
}

/** Space-Saving's guarantees of `summary` over a stream whose exact counts are `exact`. */
function expectBounds(summary: CountSummary, exact: ReadonlyMap<string, number>, k: number): void {
  const total = [...exact.values()].reduce((a, b) => a + b, 0);
  expect(summary.total).toBe(total);
  const tracked = new Map(summary.entries.map((entry) => [entry.key, entry]));
  for (const { key, count, error } of summary.entries) {
    const truth = exact.get(key) ?? 0;
    expect(count).toBeGreaterThanOrEqual(truth);
    expect(count - error).toBeLessThanOrEqual(truth);
    expect(error).toBeLessThanOrEqual(total / k);
  }
  for (const [key, truth] of exact) {
    if (tracked.has(key)) continue;
    expect(truth).toBeLessThanOrEqual(summary.floor);
    expect(truth).toBeLessThanOrEqual(total / k);
  }
}

describe('SpaceSaving', () => {
  it('counts exactly while the keys fit its counters, largest first and ties in key order', () => {
    const summary = summarize(['b', 'a', 'c', 'a', 'b', 'a', 'd'], 5);
    expect(summary).toEqual({
      total: 7,
      floor: 0,
      entries: [
        { key: 'a', count: 3, error: 0 },
        { key: 'b', count: 2, error: 0 },
        { key: 'c', count: 1, error: 0 },
        { key: 'd', count: 1, error: 0 },
      ],
    });
  });

  it('gives a new key the least counter, its count becoming the error', () => {
    const counters = new SpaceSaving(2);
    for (const key of ['a', 'a', 'a', 'b', 'c']) counters.offer(key);
    // c replaced b (count 1): 2 with an error of 1; a keeps its exact 3.
    expect(counters.summary()).toEqual({
      total: 5,
      floor: 2,
      entries: [
        { key: 'a', count: 3, error: 0 },
        { key: 'c', count: 2, error: 1 },
      ],
    });
    counters.offer('a');
    counters.offer('b');
    expect(counters.summary().entries).toEqual([
      { key: 'a', count: 4, error: 0 },
      { key: 'b', count: 3, error: 2 },
    ]);
  });

  it('works with a single counter: the last key holds the whole stream', () => {
    const summary = summarize(['a', 'b', 'b', 'c'], 1);
    expect(summary).toEqual({ total: 4, floor: 4, entries: [{ key: 'c', count: 4, error: 3 }] });
  });

  it('refuses a capacity that is not a whole number from 1', () => {
    expect(() => new SpaceSaving(0)).toThrow(RangeError);
    expect(() => new SpaceSaving(2.5)).toThrow(RangeError);
  });

  it('keeps its bounds on a skewed stream, and finds the heaviest clients', () => {
    const stream = skewedStream(20261205, 50_000, 2_000);
    const exact = exactCounts(stream);
    const k = 50;
    const summary = summarize(stream, k);
    expectBounds(summary, exact, k);
    // Every counter is taken and each offer added 1 to one of them.
    expect(summary.entries).toHaveLength(k);
    expect(summary.entries.reduce((sum, entry) => sum + entry.count, 0)).toBe(stream.length);
    const heaviest = [...exact].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([key]) => key);
    expect(summary.entries.slice(0, 10).map((entry) => entry.key)).toEqual(heaviest);
    expect(summary.entries[0]!.error).toBe(0);
  });

  it('keeps its bounds on a flat stream, where keys replace each other all the time', () => {
    const random = seededRandom(7);
    const stream = Array.from({ length: 20_000 }, () => `key-${Math.floor(random() * 300)}`);
    const summary = summarize(stream, 32);
    expectBounds(summary, exactCounts(stream), 32);
    expect(summary.entries.reduce((sum, entry) => sum + entry.count, 0)).toBe(stream.length);
    const counts = summary.entries.map((entry) => entry.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(summary.floor).toBe(counts.at(-1));
  });
});

describe('mergeSummaries', () => {
  it('is the summary itself for one part', () => {
    const summary = summarize(['a', 'b', 'a'], 4);
    expect(mergeSummaries([summary], 4)).toBe(summary);
    expect(mergeSummaries([], 4)).toEqual({ total: 0, floor: 0, entries: [] });
  });

  it('sums exactly where no part ever dropped a key', () => {
    const merged = mergeSummaries([summarize(['a', 'b', 'a'], 4), summarize(['b', 'c', 'b'], 4)], 4);
    expect(merged).toEqual({
      total: 6,
      floor: 0,
      entries: [
        { key: 'b', count: 3, error: 0 },
        { key: 'a', count: 2, error: 0 },
        { key: 'c', count: 1, error: 0 },
      ],
    });
  });

  it('keeps the K largest, the largest left out becoming the floor', () => {
    const merged = mergeSummaries([summarize(['a', 'a', 'a', 'b', 'b'], 4), summarize(['c', 'd'], 4)], 2);
    expect(merged.entries.map((entry) => entry.key)).toEqual(['a', 'b']);
    expect(merged.floor).toBe(1);
  });

  it("adds a part's floor for a key that part does not track, keeping the bounds over the whole stream", () => {
    const stream = skewedStream(4242, 40_000, 1_500);
    const k = 40;
    // Threads split a stream by flow: here every third query goes to another thread.
    const parts = [0, 1, 2].map((thread) => summarize(stream.filter((_, index) => index % 3 === thread), k));
    const merged = mergeSummaries(parts, k);
    expectBounds(merged, exactCounts(stream), k);
    expect(merged.entries).toHaveLength(k);
    const lone = mergeSummaries([parts[0]!, summarize([], k)], k);
    expect(lone.entries).toEqual(parts[0]!.entries);
  });
});
