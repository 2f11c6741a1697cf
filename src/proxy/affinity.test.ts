import { describe, expect, it } from 'vitest';
import { AffinityTable } from './affinity.ts';
import { Backend } from './backends.ts';

const a = new Backend('127.0.0.2', 80, 'IPv4');
const b = new Backend('127.0.0.3', 80, 'IPv4');

describe('AffinityTable', () => {
  it('keeps a client on its backend while it keeps coming back within the timeout', () => {
    const table = new AffinityTable(1000);
    table.remember('10.0.0.1', a, 0);
    expect(table.lookup('10.0.0.1', 900)).toBe(a);
    expect(table.lookup('10.0.0.1', 1800)).toBe(a); // renewed at 900
    expect(table.lookup('10.0.0.2', 1800)).toBeUndefined();
  });

  it('forgets a client idle for longer than the timeout', () => {
    const table = new AffinityTable(1000);
    table.remember('10.0.0.1', a, 0);
    expect(table.lookup('10.0.0.1', 1001)).toBeUndefined();
    table.remember('10.0.0.1', b, 1001);
    expect(table.lookup('10.0.0.1', 1500)).toBe(b);
  });

  it('sweeps clients that never return', () => {
    const table = new AffinityTable(1000);
    for (let i = 0; i < 50; i++) table.remember(`10.0.0.${i}`, a, 0);
    table.remember('10.0.1.1', b, 5000);
    expect(table.size).toBe(1);
  });

  it('forgets on request, as after a failed connect', () => {
    const table = new AffinityTable(1000);
    table.remember('10.0.0.1', a, 0);
    table.forget('10.0.0.1');
    expect(table.lookup('10.0.0.1', 1)).toBeUndefined();
  });
});
