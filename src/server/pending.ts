import { isPromiseLike } from '../toolkit/promise.ts';
import type { Handler } from '../toolkit/types.ts';

/**
 * The asynchronous answers a configuration still owes (a forward waiting on its upstream), so a
 * reload can let them finish before shutting the old plugins down. Synchronous answers are done
 * when the handler returns and cost nothing here.
 */
export class PendingAnswers {
  private pending = 0;
  private waiters: (() => void)[] = [];

  track(handler: Handler): Handler {
    return (request) => {
      const result = handler(request);
      if (!isPromiseLike(result)) return result;
      this.pending++;
      return Promise.resolve(result).finally(() => this.settle());
    };
  }

  /** Resolves once nothing is pending, or after `timeoutMs` whatever is left. */
  drained(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private settle(): void {
    if (--this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
