import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './duration.ts';

describe('parseGoDuration', () => {
  it.each([
    ['5s', 5000],
    ['300ms', 300],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['0', 0],
    ['-2s', -2000],
    ['1500us', 1.5],
  ])('reads %s', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '5', 's', '5 s', '5sec', '1d', '--1s'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeNull();
  });
});
