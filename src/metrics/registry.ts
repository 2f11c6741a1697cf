import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import type { Logger } from '../log.ts';
import { CounterFamily, GaugeFamily, HistogramFamily, type HistogramSpec, type MetricSpec } from './families.ts';

/**
 * The process's metrics, as CoreDNS's default Prometheus registry: every plugin counts into it
 * whether or not a `prometheus` directive exposes it, and counts survive reloads.
 */
export const metricsRegistry = new Registry();

export class MetricConflictError extends Error {
  readonly metric: string;
  constructor(metric: string, reason: string) {
    super(`metric ${metric} is already registered ${reason}`);
    this.name = 'MetricConflictError';
    this.metric = metric;
  }
}

type FamilyClass<F> = abstract new (...args: never[]) => F;

function existing<F extends { labelNames: readonly string[] }>(kind: FamilyClass<F>, spec: MetricSpec): F | undefined {
  const found: unknown = metricsRegistry.getSingleMetric(spec.name);
  if (found === undefined) return undefined;
  if (!(found instanceof kind)) throw new MetricConflictError(spec.name, 'as another type');
  if (found.labelNames.join() !== spec.labelNames.join()) {
    throw new MetricConflictError(spec.name, `with labels [${found.labelNames.join(', ')}]`);
  }
  return found;
}

function register<F>(family: F): F {
  // prom-client's Registry only calls name, get() and reset() on what it holds.
  metricsRegistry.registerMetric(family as unknown as Metric);
  return family;
}

/**
 * A counter family, created on first use and shared by name after that, so plugins set up again
 * by a reload keep counting into the same numbers. Asking with other labels or another type throws.
 */
export function counter(spec: MetricSpec): CounterFamily {
  return existing(CounterFamily, spec) ?? register(new CounterFamily(spec));
}

/** A gauge family; `collect` runs before every scrape to set values computed on demand. */
export function gauge(spec: MetricSpec, collect?: () => void): GaugeFamily {
  return existing(GaugeFamily, spec) ?? register(new GaugeFamily(spec, collect));
}

export function histogram(spec: HistogramSpec): HistogramFamily {
  return existing(HistogramFamily, spec) ?? register(new HistogramFamily(spec));
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

let processMetrics = false;

/** The process_* (CPU, memory, file descriptors, start time) and nodejs_* metrics; idempotent. */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

/** The exposition text; a failing collector is logged and leaves its values as they were. */
export async function renderMetrics(logger: Logger): Promise<string> {
  for (const collect of collectors) {
    try {
      collect();
    } catch (error) {
      logger.error({ err: error }, 'metrics collector failed');
    }
  }
  return metricsRegistry.metrics();
}

export const METRICS_CONTENT_TYPE: string = metricsRegistry.contentType;
