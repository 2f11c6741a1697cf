import { randomFillSync } from 'node:crypto';

/** Query IDs and upstream picks come from the CSPRNG, drawn in batches to keep it cheap per query. */
const pool = new Uint16Array(2048);
let next = pool.length;

/** A uniformly random 16-bit value. */
export function random16(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++] as number;
}

/** A random integer in [0, n) for n <= 65536, without modulo bias. */
export function randomBelow(n: number): number {
  const limit = 65536 - (65536 % n);
  for (;;) {
    const value = random16();
    if (value < limit) return value % n;
  }
}
