import { threadId } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import { EXPOSITION_CONTENT_TYPE, formatExposition } from './exposition.ts';
import { CounterFamily, GaugeFamily, HistogramFamily, type HistogramSpec, type MetricSnapshot, type MetricSpec } from './families.ts';
import { FamilyRegistry } from './family-registry.ts';
import { mergeSnapshots, WorkerTotals, type ThreadReport } from './merge.ts';
import { nodejsMetrics } from './nodejs.ts';
import { processMetrics } from './process.ts';

export { MetricConflictError } from './family-registry.ts';

/**
 * The process's metrics, as CoreDNS's default Prometheus registry: every plugin counts into it
 * whether or not a `prometheus` directive exposes it, and counts survive reloads.
 */
export const metricsRegistry = new FamilyRegistry();

/**
 * A counter family, created on first use and shared by name after that, so plugins set up again
 * by a reload keep counting into the same numbers. Asking with other labels or another type throws.
 */
export function counter(spec: MetricSpec): CounterFamily {
  return metricsRegistry.obtain(CounterFamily, spec, () => new CounterFamily(spec));
}

/** A gauge family; `collect` runs before every scrape to set values computed on demand. */
export function gauge(spec: MetricSpec, collect?: () => void): GaugeFamily {
  return metricsRegistry.obtain(GaugeFamily, spec, () => new GaugeFamily(spec, collect));
}

export function histogram(spec: HistogramSpec): HistogramFamily {
  return metricsRegistry.obtain(HistogramFamily, spec, () => new HistogramFamily(spec));
}

const collectors = new Set<() => void>();

/**
 * Runs `collect` before every scrape, for values cheaper to read on demand than to keep current
 * (a cache's size). Returns the function that unregisters it; call it from the plugin's shutdown.
 */
export function registerCollector(collect: () => void): () => void {
  const entry = (): void => collect();
  collectors.add(entry);
  return () => void collectors.delete(entry);
}

let processMetricsEnabled = false;

/** The process_* (CPU, memory, file descriptors, start time) and nodejs_* metrics; idempotent. */
export function enableProcessMetrics(): void {
  if (processMetricsEnabled) return;
  processMetricsEnabled = true;
  for (const { families, collect } of [processMetrics(), nodejsMetrics()]) {
    for (const family of families) metricsRegistry.register(family);
    registerCollector(collect);
  }
}

/** The exposition text; a failing collector is logged and leaves its values as they were. */
export function renderMetrics(logger: Logger): string {
  runCollectors(logger);
  return metricsRegistry.render();
}

function runCollectors(logger: Logger): void {
  for (const collect of collectors) {
    try {
      collect();
    } catch (error) {
      logger.error({ err: error }, 'metrics collector failed');
    }
  }
}

export const METRICS_CONTENT_TYPE = EXPOSITION_CONTENT_TYPE;

function snapshotMetrics(logger: Logger): MetricSnapshot[] {
  runCollectors(logger);
  return metricsRegistry.snapshot();
}

/** This worker thread's families with their collectors run: what it hands the main thread at a scrape. */
export function reportMetrics(logger: Logger): ThreadReport {
  return { thread: threadId, families: snapshotMetrics(logger) };
}

/** Process-wide, as the registry: a reload's new prometheus keeps the counts of workers gone before it. */
const workerTotals = new WorkerTotals();

/**
 * The exposition of this thread's metrics with the workers' added: counters and histograms sum
 * per label set, gauges stay this thread's unless additive (see MetricSpec); see WorkerTotals for
 * workers that went away.
 */
export function renderMergedMetrics(logger: Logger, workers: readonly ThreadReport[]): string {
  return formatExposition(mergeSnapshots(snapshotMetrics(logger), workerTotals.update(workers)));
}
