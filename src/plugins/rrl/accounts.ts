/** What a debit decided about one response (or request). */
export const Verdict = {
  /** Within the allowance. */
  ALLOWED: 0,
  /** Not accounted: the table was full of accounts still in use, so the response goes out. */
  UNTRACKED: 1,
  /** Over the allowance: drop it. */
  DROP: 2,
  /** Over the allowance, and its turn to slip out truncated. */
  SLIP: 3,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

const SECOND_MS = 1000;

/**
 * Accounts looked at, from the oldest, for one to evict when the table is full. Those still in use
 * go to the back, so a full table of busy accounts costs a few moves per new token, never a scan.
 */
const EVICTION_SCAN = 8;

/**
 * One token's balance, kept as the time from which the next response is allowed: the balance is
 * `now - allowAt`, credited by the passing of time and debited by each response's interval.
 */
interface Account {
  allowAt: number;
  /** Dropped responses left before one slips. */
  slipCountdown: number;
}

export interface AccountTableOptions {
  /** Accounts kept at once. */
  readonly capacity: number;
  /** How far into debt an account may go, in milliseconds. */
  readonly windowMs: number;
  readonly slipRatio: number;
  /** Monotonic milliseconds. */
  readonly now: () => number;
}

/**
 * BIND's response-rate-limiting accounts as github.com/coredns/rrl keeps them: a balance per token
 * (client, category, name), credited with the passing time up to one second's allowance, debited
 * by each response's interval down to `window` of debt; a response that leaves it negative is over
 * the limit. The table is bounded: a new token evicts an account idle for a window, and when none
 * is, goes untracked (not limited), as the external plugin does when its shard is full.
 */
export class AccountTable {
  private readonly accounts = new Map<string, Account>();
  private readonly options: AccountTableOptions;

  constructor(options: AccountTableOptions) {
    this.options = options;
  }

  get size(): number {
    return this.accounts.size;
  }

  /** Debits one response of `token`, whose category allows one every `intervalMs`. */
  debit(token: string, intervalMs: number): Verdict {
    const { windowMs, slipRatio } = this.options;
    const now = this.options.now();
    const account = this.accounts.get(token);
    if (account === undefined) {
      // A new account starts with a full second's allowance, less this response.
      return this.open(token, now - SECOND_MS + intervalMs, now) ? Verdict.ALLOWED : Verdict.UNTRACKED;
    }
    let balance = now - account.allowAt - intervalMs;
    if (balance >= SECOND_MS) balance = SECOND_MS - intervalMs;
    else if (balance < -windowMs) balance = -windowMs;
    account.allowAt = now - balance;
    if (balance >= 0) return Verdict.ALLOWED;
    if (slipRatio === 0) return Verdict.DROP;
    if (account.slipCountdown <= 1) {
      account.slipCountdown = slipRatio;
      return Verdict.SLIP;
    }
    account.slipCountdown--;
    return Verdict.DROP;
  }

  private open(token: string, allowAt: number, now: number): boolean {
    if (this.accounts.size >= this.options.capacity && !this.evictOne(now)) return false;
    this.accounts.set(token, { allowAt, slipCountdown: this.options.slipRatio });
    return true;
  }

  /** Evicts an account idle for a window (its balance a window above its last debit), as the external plugin's evict function. */
  private evictOne(now: number): boolean {
    const { windowMs } = this.options;
    let looked = 0;
    for (const [token, account] of this.accounts) {
      if (looked++ >= EVICTION_SCAN) return false;
      this.accounts.delete(token);
      if (now - account.allowAt >= windowMs) return true;
      this.accounts.set(token, account);
    }
    return false;
  }
}
