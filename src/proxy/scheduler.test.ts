import { describe, expect, it } from 'vitest';
import { Backend, type BackendPool } from './backends.ts';
import { schedulerFor } from './scheduler.ts';

function pool(count: number): BackendPool {
  return { backends: Array.from({ length: count }, (_, i) => new Backend(`127.0.0.${i + 2}`, 8080, 'IPv4')), cursor: 0 };
}

function tally(picks: readonly (Backend | undefined)[]): Map<string | undefined, number> {
  const counts = new Map<string | undefined, number>();
  for (const pick of picks) counts.set(pick?.address, (counts.get(pick?.address) ?? 0) + 1);
  return counts;
}

describe('schedulers', () => {
  it('rr takes backends in turn, evenly', () => {
    const backends = pool(3);
    const rr = schedulerFor('rr');
    const picks = Array.from({ length: 9 }, () => rr(backends, '10.0.0.1', undefined));
    expect(picks.map((b) => b?.address)).toEqual([
      '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.2', '127.0.0.3', '127.0.0.4',
    ]);
  });

  it('skips tried backends and gives up when all were tried', () => {
    const backends = pool(3);
    const [a, b, c] = backends.backends as [Backend, Backend, Backend];
    for (const name of ['rr', 'random', 'lc', 'sh'] as const) {
      const scheduler = schedulerFor(name);
      expect(scheduler(backends, '10.0.0.1', new Set([a, b]))).toBe(c);
      expect(scheduler(backends, '10.0.0.1', new Set([a, b, c]))).toBeUndefined();
    }
  });

  it('lc picks the backend with the fewest open connections, sharing ties in turn', () => {
    const backends = pool(3);
    const [a, b, c] = backends.backends as [Backend, Backend, Backend];
    a.active = 2;
    b.active = 1;
    c.active = 2;
    const lc = schedulerFor('lc');
    expect(lc(backends, '10.0.0.1', undefined)).toBe(b);
    b.active = 2;
    const ties = Array.from({ length: 6 }, () => lc(backends, '10.0.0.1', undefined));
    expect(tally(ties)).toEqual(new Map([['127.0.0.2', 2], ['127.0.0.3', 2], ['127.0.0.4', 2]]));
  });

  it('sh sends each client to one backend and spreads clients over all of them', () => {
    const backends = pool(3);
    const sh = schedulerFor('sh');
    const clients = Array.from({ length: 60 }, (_, i) => `10.1.${i >> 4}.${i & 15}`);
    const first = clients.map((ip) => sh(backends, ip, undefined));
    const again = clients.map((ip) => sh(backends, ip, undefined));
    expect(again).toEqual(first);
    expect(tally(first).size).toBe(3);
  });

  it('random reaches every backend', () => {
    const backends = pool(3);
    const random = schedulerFor('random');
    // Missing one of three in 200 uniform draws has probability below 1e-34.
    const picks = Array.from({ length: 200 }, () => random(backends, '10.0.0.1', undefined));
    expect(tally(picks).size).toBe(3);
  });
});
