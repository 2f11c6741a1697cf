/** A run of consecutive values: addresses as numbers, or ports. */
export interface Span {
  readonly first: bigint;
  readonly size: bigint;
}

/**
 * Where dynamic allocation looks, in order. Kubernetes keeps the low end of each range (the
 * "static band") for values people pick by hand and allocates from above it first, falling back to
 * the band only when the rest is full (KEP-3070 for cluster IPs, KEP-3668 for node ports); doing
 * the same keeps a hand-picked address from landing on one handed out earlier.
 */
export interface Pool {
  readonly preferred: readonly Span[];
  readonly fallback: readonly Span[];
}

export interface BandRule {
  readonly min: bigint;
  readonly max: bigint;
  readonly step: bigint;
}

/** Kubernetes' `min(max(min, size/step), max)`, and no band at all for ranges of `min` or fewer. */
export function staticBandSize(rangeSize: bigint, rule: BandRule): bigint {
  if (rangeSize <= rule.min) return 0n;
  const scaled = rangeSize / rule.step;
  if (scaled < rule.min) return rule.min;
  return scaled > rule.max ? rule.max : scaled;
}

/** Splits `usable` into the part above the static band and the band itself. */
export function splitAtBand(usable: Span, band: bigint): { preferred: Span; fallback: Span } {
  const low = band < usable.size ? band : usable.size;
  return {
    preferred: { first: usable.first + low, size: usable.size - low },
    fallback: { first: usable.first, size: low },
  };
}

export function poolSize(pool: Pool): bigint {
  return total(pool.preferred) + total(pool.fallback);
}

function total(spans: readonly Span[]): bigint {
  let size = 0n;
  for (const span of spans) size += span.size;
  return size;
}

function valueAt(spans: readonly Span[], index: bigint): bigint {
  let rest = index;
  for (const span of spans) {
    if (rest < span.size) return span.first + rest;
    rest -= span.size;
  }
  throw new RangeError(`index ${index} is outside the pool`);
}

/**
 * Linear probing from a position derived from `key`: the preferred spans first (wrapping), then the
 * fallback band. At most `maxProbes` candidates are tried; callers pass one more than the number of
 * values already taken, which is enough to find a free one whenever the pool has room.
 */
export function probe(pool: Pool, key: bigint, isFree: (value: bigint) => boolean, maxProbes: number): bigint | undefined {
  let budget = maxProbes;
  for (const spans of [pool.preferred, pool.fallback]) {
    const size = total(spans);
    if (size === 0n) continue;
    const start = key % size;
    for (let step = 0n; step < size && budget > 0; step++, budget--) {
      const candidate = valueAt(spans, (start + step) % size);
      if (isFree(candidate)) return candidate;
    }
  }
  return undefined;
}
