import type { Backend } from './backends.ts';

interface Affinity {
  backend: Backend;
  lastUsedMs: number;
}

/**
 * `sessionAffinity: ClientIP`: a client keeps its backend until it has opened nothing for the
 * timeout, measured from its last new connection, as iptables' `recent` match does.
 */
export class AffinityTable {
  readonly #entries = new Map<string, Affinity>();
  #timeoutMs: number;
  #lastSweepMs = 0;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  set timeoutMs(value: number) {
    this.#timeoutMs = value;
  }

  /** The client's backend if it has one that has not expired; using it renews it. */
  lookup(clientIP: string, nowMs: number): Backend | undefined {
    const entry = this.#entries.get(clientIP);
    if (entry === undefined) return undefined;
    if (nowMs - entry.lastUsedMs > this.#timeoutMs) {
      this.#entries.delete(clientIP);
      return undefined;
    }
    entry.lastUsedMs = nowMs;
    return entry.backend;
  }

  remember(clientIP: string, backend: Backend, nowMs: number): void {
    const entry = this.#entries.get(clientIP);
    if (entry) {
      entry.backend = backend;
      entry.lastUsedMs = nowMs;
    } else {
      this.#entries.set(clientIP, { backend, lastUsedMs: nowMs });
    }
    this.#sweep(nowMs);
  }

  forget(clientIP: string): void {
    this.#entries.delete(clientIP);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Drops expired clients, at most once per timeout, so clients that never return cost nothing forever. */
  #sweep(nowMs: number): void {
    if (nowMs - this.#lastSweepMs < this.#timeoutMs) return;
    this.#lastSweepMs = nowMs;
    for (const [clientIP, entry] of this.#entries) {
      if (nowMs - entry.lastUsedMs > this.#timeoutMs) this.#entries.delete(clientIP);
    }
  }
}
