import { formatExposition } from './exposition.ts';
import type { AnyFamily, MetricSnapshot, MetricSpec } from './families.ts';

export class MetricConflictError extends Error {
  readonly metric: string;
  constructor(metric: string, reason: string) {
    super(`metric ${metric} is already registered ${reason}`);
    this.name = 'MetricConflictError';
    this.metric = metric;
  }
}

type FamilyClass<F> = abstract new (...args: never[]) => F;

/** Metric families by name, exposed in the order they were registered. */
export class FamilyRegistry {
  readonly #families = new Map<string, AnyFamily>();

  /** The family of this name (prom-client's name for it, which tests still read samples through). */
  getSingleMetric(name: string): AnyFamily | undefined {
    return this.#families.get(name);
  }

  /**
   * The family registered under `spec.name`, or `create()`'s, registered now. A family of that
   * name but another class or other label names is a programming error: two plugins would count
   * different things into one metric.
   */
  obtain<F extends AnyFamily>(kind: FamilyClass<F>, spec: MetricSpec, create: () => F): F {
    const found = this.#families.get(spec.name);
    if (found === undefined) return this.register(create());
    if (!(found instanceof kind)) throw new MetricConflictError(spec.name, 'as another type');
    if (found.labelNames.join() !== spec.labelNames.join()) {
      throw new MetricConflictError(spec.name, `with labels [${found.labelNames.join(', ')}]`);
    }
    return found;
  }

  register<F extends AnyFamily>(family: F): F {
    if (this.#families.has(family.name)) throw new MetricConflictError(family.name, 'by another family');
    this.#families.set(family.name, family);
    return family;
  }

  /** The exposition text, each family's collect hook run as it is read. */
  render(): string {
    return formatExposition(this.snapshot());
  }

  /** Every family's samples, each family's collect hook run as it is read. */
  snapshot(): MetricSnapshot[] {
    return Array.from(this.#families.values(), (family) => family.get());
  }
}
