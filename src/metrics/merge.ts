import type { Labels, MetricSnapshot, Sample } from './families.ts';

function sampleKey(sample: Sample): string {
  return `${sample.name}\u0000${Object.entries(sample.labels as Labels)
    .map(([name, value]) => `${name}=${value}`)
    .join('\u0000')}`;
}

function adds(snapshot: MetricSnapshot): boolean {
  return snapshot.type !== 'gauge' || snapshot.additive === true;
}

/**
 * One thread's families with other threads' added, as one process exposes them: counters and
 * histogram samples (buckets, sums, counts) sum per name and labels, additive gauges too; other
 * gauges (build info, process-wide readings) are `own`'s. A family only another thread has is taken whole.
 */
export function mergeSnapshots(own: readonly MetricSnapshot[], others: readonly (readonly MetricSnapshot[])[]): MetricSnapshot[] {
  const merged = new Map<string, { snapshot: MetricSnapshot; samples: Map<string, Sample> }>();
  for (const snapshot of own) {
    merged.set(snapshot.name, { snapshot, samples: new Map(snapshot.values.map((sample) => [sampleKey(sample), sample])) });
  }
  for (const thread of others) {
    for (const snapshot of thread) {
      const into = merged.get(snapshot.name);
      if (into === undefined) {
        merged.set(snapshot.name, { snapshot, samples: new Map(snapshot.values.map((sample) => [sampleKey(sample), sample])) });
        continue;
      }
      if (!adds(into.snapshot)) continue;
      for (const sample of snapshot.values) {
        const key = sampleKey(sample);
        const known = into.samples.get(key);
        into.samples.set(key, known === undefined ? sample : { ...known, value: known.value + sample.value });
      }
    }
  }
  return Array.from(merged.values(), ({ snapshot, samples }) => ({ ...snapshot, values: [...samples.values()] }));
}

/** One worker's metrics at a scrape, named by its thread (worker_threads' threadId: never reused). */
export interface ThreadReport {
  readonly thread: number;
  readonly families: readonly MetricSnapshot[];
}

/**
 * The workers' part of the main thread's /metrics. A worker that went away (restarted after a
 * crash) leaves its last reported counters and histograms behind, so the process's sums never go
 * backwards; its gauges go with it. Counts between its last scrape and its end are lost.
 */
export class WorkerTotals {
  #latest = new Map<number, readonly MetricSnapshot[]>();
  #retired: MetricSnapshot[] = [];

  /** The snapshots to add to the main thread's: the retired workers' counts, then each live worker's. */
  update(reports: readonly ThreadReport[]): (readonly MetricSnapshot[])[] {
    const live = new Set(reports.map((report) => report.thread));
    for (const [thread, families] of this.#latest) {
      if (live.has(thread)) continue;
      this.#retired = mergeSnapshots(this.#retired, [families.filter((family) => family.type !== 'gauge')]);
      this.#latest.delete(thread);
    }
    for (const report of reports) this.#latest.set(report.thread, report.families);
    return [this.#retired, ...reports.map((report) => report.families)];
  }
}
