/**
 * The asynchronous answers a configuration still owes (a forward waiting on its upstream), so a
 * reload can let them finish before shutting the old plugins down. Synchronous answers are done
 * when the chain returns and are not counted.
 */
export class PendingAnswers {
  private pending = 0;
  private waiters: (() => void)[] = [];

  /** A chain returned a promise: its answer is owed until `settled`. */
  owe(): void {
    this.pending++;
  }

  settled(): void {
    if (--this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
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
}
