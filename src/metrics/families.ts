/*
 * Metric families whose per-query cost is a property increment: a child ("cell") of some label
 * values is looked up once and kept by the caller, instead of hashing the labels on every
 * inc()/observe(); label sets only become samples, and text, when /metrics is scraped.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  /** The full name, namespace included: `coredns_dns_requests_total`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /**
   * With `-workers`, how the main thread's /metrics adds the threads' values: counters and
   * histograms always sum; a gauge is the main thread's unless it says `sum` (a split cache's size).
   */
  readonly acrossThreads?: 'sum' | 'main';
}

export interface HistogramSpec extends MetricSpec {
  /** Upper bounds, increasing; +Inf is implied. */
  readonly buckets: readonly number[];
}

export type Labels = Readonly<Record<string, string>>;

/** One line of the exposition: a histogram's samples are named `_bucket`, `_sum` and `_count`. */
export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

/** A family's samples at scrape time, with what its HELP and TYPE lines say. */
export interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly values: readonly Sample[];
  /** A gauge whose other threads' values add to these (MetricSpec.acrossThreads); counters and histograms always do. */
  readonly additive?: boolean;
}

export class LabelCountError extends Error {
  readonly metric: string;
  constructor(metric: string, expected: number, got: number) {
    super(`${metric}: ${got} label values for ${expected} label names`);
    this.name = 'LabelCountError';
    this.metric = metric;
  }
}

export class CounterCell {
  value = 0;
  inc(amount = 1): void {
    this.value += amount;
  }
}

export class GaugeCell {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
  inc(amount = 1): void {
    this.value += amount;
  }
  dec(amount = 1): void {
    this.value -= amount;
  }
}

export class HistogramCell {
  /** Per bucket, not cumulative; the last slot counts what exceeds every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  private readonly bounds: readonly number[];

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const { bounds } = this;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    this.counts[index]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

interface Entry<Cell> {
  readonly labels: Labels;
  readonly cell: Cell;
}

abstract class Family<Cell> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: MetricType;
  private readonly acrossThreads: 'sum' | 'main' | undefined;
  private readonly entries = new Map<string, Entry<Cell>>();
  private readonly collectHook: (() => void) | undefined;

  constructor(spec: MetricSpec, collect?: () => void) {
    this.name = spec.name;
    this.help = spec.help;
    this.labelNames = spec.labelNames;
    this.acrossThreads = spec.acrossThreads;
    this.collectHook = collect;
  }

  protected abstract newCell(): Cell;
  protected abstract samples(labels: Labels, cell: Cell, into: Sample[]): void;

  /** The cell of these label values (in labelNames order); keep it rather than asking per event. */
  cell(...values: string[]): Cell {
    const key = values.join('\u0000');
    let entry = this.entries.get(key);
    if (entry === undefined) {
      if (values.length !== this.labelNames.length) throw new LabelCountError(this.name, this.labelNames.length, values.length);
      const labels = Object.fromEntries(this.labelNames.map((name, index) => [name, values[index]!]));
      entry = { labels, cell: this.newCell() };
      this.entries.set(key, entry);
    }
    return entry.cell;
  }

  /** Drops the cell of these label values; a cell kept elsewhere then counts into nothing. */
  remove(...values: string[]): void {
    this.entries.delete(values.join('\u0000'));
  }

  reset(): void {
    this.entries.clear();
  }

  /** The samples to expose now, after running the family's collect hook. */
  get(): MetricSnapshot {
    this.collectHook?.();
    // An unlabelled metric is exposed as 0 before anything counted, as Go's client does.
    if (this.labelNames.length === 0 && this.entries.size === 0) this.cell();
    const values: Sample[] = [];
    for (const { labels, cell } of this.entries.values()) this.samples(labels, cell, values);
    return { name: this.name, help: this.help, type: this.type, values, additive: this.acrossThreads === 'sum' };
  }
}

export class CounterFamily extends Family<CounterCell> {
  readonly type = 'counter';
  protected newCell(): CounterCell {
    return new CounterCell();
  }
  protected samples(labels: Labels, cell: CounterCell, into: Sample[]): void {
    into.push({ name: this.name, labels, value: cell.value });
  }
}

export class GaugeFamily extends Family<GaugeCell> {
  readonly type = 'gauge';
  protected newCell(): GaugeCell {
    return new GaugeCell();
  }
  protected samples(labels: Labels, cell: GaugeCell, into: Sample[]): void {
    into.push({ name: this.name, labels, value: cell.value });
  }
}

export class HistogramFamily extends Family<HistogramCell> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(spec: HistogramSpec, collect?: () => void) {
    super(spec, collect);
    this.buckets = [...spec.buckets];
  }

  protected newCell(): HistogramCell {
    return new HistogramCell(this.buckets);
  }

  protected samples(labels: Labels, cell: HistogramCell, into: Sample[]): void {
    const bucketName = `${this.name}_bucket`;
    let cumulative = 0;
    this.buckets.forEach((bound, index) => {
      cumulative += cell.counts[index]!;
      into.push({ name: bucketName, labels: { ...labels, le: String(bound) }, value: cumulative });
    });
    into.push({ name: bucketName, labels: { ...labels, le: '+Inf' }, value: cell.count });
    into.push({ name: `${this.name}_sum`, labels, value: cell.sum });
    into.push({ name: `${this.name}_count`, labels, value: cell.count });
  }
}

export type AnyFamily = CounterFamily | GaugeFamily | HistogramFamily;

/** Families whose values one function reads from elsewhere (the kernel, V8) before each scrape. */
export interface ScrapeTimeMetrics {
  readonly families: readonly AnyFamily[];
  readonly collect: () => void;
}
