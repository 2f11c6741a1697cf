import type { PolicyName } from './options.ts';
import { randomBelow } from './random.ts';

/** Orders the upstreams for one query: the first is tried first. */
export interface Policy {
  readonly name: PolicyName;
  list<T>(upstreams: readonly T[]): readonly T[];
}

/** A random permutation (a swap or not for two, as CoreDNS). */
export function shuffled<T>(upstreams: readonly T[]): T[] {
  const list = [...upstreams];
  for (let i = list.length - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    const item = list[i] as T;
    list[i] = list[j] as T;
    list[j] = item;
  }
  return list;
}

class RandomPolicy implements Policy {
  readonly name = 'random';
  list<T>(upstreams: readonly T[]): readonly T[] {
    return upstreams.length === 1 ? upstreams : shuffled(upstreams);
  }
}

/** Each query starts one further along; the rest follow in configured order, as CoreDNS. */
class RoundRobinPolicy implements Policy {
  readonly name = 'round_robin';
  private robin = 0;
  list<T>(upstreams: readonly T[]): readonly T[] {
    this.robin = (this.robin + 1) >>> 0;
    const first = this.robin % upstreams.length;
    return [upstreams[first] as T, ...upstreams.slice(0, first), ...upstreams.slice(first + 1)];
  }
}

class SequentialPolicy implements Policy {
  readonly name = 'sequential';
  list<T>(upstreams: readonly T[]): readonly T[] {
    return upstreams;
  }
}

export function createPolicy(name: PolicyName): Policy {
  switch (name) {
    case 'random':
      return new RandomPolicy();
    case 'round_robin':
      return new RoundRobinPolicy();
    case 'sequential':
      return new SequentialPolicy();
  }
}
