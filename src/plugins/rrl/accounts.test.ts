import { describe, expect, it } from 'vitest';
import { AccountTable, Verdict } from './accounts.ts';

/** A table on a clock the test moves by hand. */
function table(options: { capacity?: number; windowMs?: number; slipRatio?: number } = {}) {
  let time = 1_000_000;
  const accounts = new AccountTable({ capacity: options.capacity ?? 100, windowMs: options.windowMs ?? 15_000, slipRatio: options.slipRatio ?? 0, now: () => time });
  return {
    accounts,
    advance: (ms: number) => void (time += ms),
    /** `count` debits of `token` at one instant, the verdicts in order. */
    burst: (token: string, intervalMs: number, count: number) => Array.from({ length: count }, () => accounts.debit(token, intervalMs)),
  };
}

const { ALLOWED, DROP, SLIP, UNTRACKED } = Verdict;

describe('rrl accounts', () => {
  it("allows a second's worth of responses at once, then drops until time credits the account", () => {
    const { burst, advance } = table();
    // 10 per second: interval 100 ms. The new account starts at one second's allowance less the first response.
    expect(burst('a', 100, 11)).toEqual([...Array(10).fill(ALLOWED), DROP]);
    // The drop was debited too (-100): two intervals later the next response brings it back to 0.
    advance(200);
    expect(burst('a', 100, 2)).toEqual([ALLOWED, DROP]);
  });

  it('keeps accounts apart by token', () => {
    const { burst } = table();
    expect(burst('a', 500, 3)).toEqual([ALLOWED, ALLOWED, DROP]);
    expect(burst('b', 500, 2)).toEqual([ALLOWED, ALLOWED]);
  });

  it('never credits more than one second: a long silence allows one burst, not more', () => {
    const { burst, advance } = table();
    burst('a', 100, 1);
    advance(60_000);
    expect(burst('a', 100, 11)).toEqual([...Array(10).fill(ALLOWED), DROP]);
  });

  it("goes at most a window into debt: a flood stops, and a window's silence later the client is allowed again", () => {
    const { burst, advance } = table({ windowMs: 2_000 });
    burst('a', 100, 10);
    // A thousand more responses would be 100 s of debt; it stops at the 2 s window.
    expect(burst('a', 100, 1000).every((verdict) => verdict === DROP)).toBe(true);
    advance(2_000);
    expect(burst('a', 100, 1)).toEqual([DROP]);
    advance(200);
    expect(burst('a', 100, 1)).toEqual([ALLOWED]);
  });

  it('a flooding client at ten times its rate gets nothing after its first second, a client at its rate everything', () => {
    const { accounts, advance } = table();
    let flooderAllowed = 0;
    let steadyAllowed = 0;
    for (let tick = 0; tick < 1000; tick++) {
      advance(10);
      if (accounts.debit('flooder', 100) === ALLOWED) flooderAllowed++;
      if (tick % 10 === 0 && accounts.debit('steady', 100) === ALLOWED) steadyAllowed++;
    }
    expect(flooderAllowed).toBeLessThan(12);
    expect(steadyAllowed).toBe(100);
  });

  it('lets every Nth dropped response slip, counting from the first drop', () => {
    const { burst } = table({ slipRatio: 3 });
    expect(burst('a', 1000, 8)).toEqual([ALLOWED, DROP, DROP, SLIP, DROP, DROP, SLIP, DROP]);
    const every = table({ slipRatio: 1 });
    expect(every.burst('a', 1000, 3)).toEqual([ALLOWED, SLIP, SLIP]);
  });

  it('when full, evicts an account idle for a window; with none idle, leaves the new token untracked', () => {
    const { accounts, burst, advance } = table({ capacity: 2, windowMs: 1_000 });
    burst('a', 100, 1);
    burst('b', 100, 1);
    expect(burst('c', 100, 1)).toEqual([UNTRACKED]);
    expect(accounts.size).toBe(2);
    // 'a' and 'b' started 900 ms in credit: idle another 100 ms, they are a window in credit.
    advance(100);
    burst('b', 100, 1);
    expect(burst('c', 100, 1)).toEqual([ALLOWED]);
    expect(accounts.size).toBe(2);
    // 'a' was evicted: it starts again with a full second.
    expect(burst('a', 100, 1)).toEqual([UNTRACKED]);
    expect(burst('b', 100, 1)).toEqual([ALLOWED]);
  });

  it('a table of size 0 tracks nothing, so limits nothing', () => {
    const { burst } = table({ capacity: 0 });
    expect(burst('a', 1000, 3)).toEqual([UNTRACKED, UNTRACKED, UNTRACKED]);
  });
});
