import { describe, expect, it } from 'vitest';
import { type Pool, probe, splitAtBand, staticBandSize } from './pool.ts';

const rule = { min: 16n, max: 256n, step: 16n };

describe('staticBandSize', () => {
  it('follows min(max(min, size/step), max), with no band for tiny ranges', () => {
    expect(staticBandSize(16n, rule)).toBe(0n);
    expect(staticBandSize(32n, rule)).toBe(16n);
    expect(staticBandSize(1024n, rule)).toBe(64n);
    expect(staticBandSize(65536n, rule)).toBe(256n);
  });

  it('never lets the band swallow more than the usable span', () => {
    expect(splitAtBand({ first: 10n, size: 4n }, 16n)).toEqual({ preferred: { first: 14n, size: 0n }, fallback: { first: 10n, size: 4n } });
  });
});

describe('probe', () => {
  const pool: Pool = { preferred: [{ first: 100n, size: 3n }, { first: 200n, size: 2n }], fallback: [{ first: 0n, size: 2n }] };

  it('starts at key modulo the preferred size and walks on across spans, wrapping', () => {
    expect(probe(pool, 3n, () => true, 10)).toBe(200n);
    const taken = new Set([200n, 201n]);
    expect(probe(pool, 3n, (v) => !taken.has(v), 10)).toBe(100n);
  });

  it('falls back to the static band only when the preferred spans are full', () => {
    const taken = new Set([100n, 101n, 102n, 200n, 201n]);
    expect(probe(pool, 0n, (v) => !taken.has(v), 10)).toBe(0n);
    expect(probe(pool, 0n, (v) => !taken.has(v) && v !== 0n, 10)).toBe(1n);
  });

  it('returns undefined when everything is taken or the budget runs out', () => {
    expect(probe(pool, 0n, () => false, 100)).toBeUndefined();
    const seen: bigint[] = [];
    probe(pool, 0n, (v) => (seen.push(v), false), 2);
    expect(seen).toEqual([100n, 101n]);
  });
});
