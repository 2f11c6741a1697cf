/**
 * Seeded randomness for the generator: the same seed must give the same cluster and the same
 * query file on every machine, so runs can be compared.
 */

/** Returns numbers in [0, 1). */
export type Random = () => number;

/** A Weyl sequence through a 32-bit avalanche mix: small, fast and good enough for sampling. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

export class EmptyChoiceError extends Error {
  constructor(what: string) {
    super(`cannot choose from an empty ${what}`);
    this.name = 'EmptyChoiceError';
  }
}

export function pickOne<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new EmptyChoiceError('list');
  return item;
}

/** Fisher–Yates, in place. */
export function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = items[i]!;
    items[i] = items[j]!;
    items[j] = held;
  }
  return items;
}

/**
 * Draws from `items` with Zipf popularity: the item at rank r (0-based) is chosen with weight
 * 1 / (r + 1)^exponent, which is how name popularity looks in real DNS traffic.
 */
export function zipfSampler<T>(random: Random, items: readonly T[], exponent = 1): () => T {
  if (items.length === 0) throw new EmptyChoiceError('Zipf population');
  const cumulative = new Float64Array(items.length);
  let total = 0;
  for (let rank = 0; rank < items.length; rank++) {
    total += 1 / (rank + 1) ** exponent;
    cumulative[rank] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = items.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! <= target) low = middle + 1;
      else high = middle;
    }
    return items[low]!;
  };
}
