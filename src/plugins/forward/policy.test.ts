import { describe, expect, it } from 'vitest';
import { createPolicy } from './policy.ts';
import { randomBelow } from './random.ts';

const upstreams = ['a', 'b', 'c'];

describe('policies', () => {
  it('sequential keeps the configured order', () => {
    const policy = createPolicy('sequential');
    expect(policy.list(upstreams)).toEqual(['a', 'b', 'c']);
    expect(policy.list(upstreams)).toEqual(['a', 'b', 'c']);
  });

  it('round_robin starts one further each time, the others in configured order, as CoreDNS', () => {
    const policy = createPolicy('round_robin');
    const firstRound = [policy.list(upstreams), policy.list(upstreams), policy.list(upstreams)];
    expect(firstRound).toEqual([
      ['b', 'a', 'c'],
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
    ]);
    expect(policy.list(upstreams)).toEqual(['b', 'a', 'c']);
  });

  it('random gives every permutation, each with every upstream once', () => {
    const policy = createPolicy('random');
    const seen = new Set<string>();
    for (let i = 0; i < 600 && seen.size < 6; i++) {
      const list = policy.list(upstreams);
      expect([...list].sort()).toEqual(upstreams);
      seen.add(list.join(''));
    }
    expect(seen.size).toBe(6);
    expect(policy.list(['only'])).toEqual(['only']);
  });

  it('draws random indexes within bounds', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[randomBelow(3)]!++;
    for (const count of counts) expect(count).toBeGreaterThan(0);
    expect(counts.reduce((a, b) => a + b)).toBe(3000);
  });
});
