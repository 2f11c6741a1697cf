import type { ReadinessProbe } from '../cluster/types.ts';
import { type ProbeOutcome, type ProbeTarget, runProbe } from './actions.ts';

/**
 * One pod's readiness probe, run every period after the initial delay. Readiness starts false, turns
 * true after successThreshold successes in a row and false again after failureThreshold failures in
 * a row, as the kubelet's prober worker does.
 */
export class ProbeLoop {
  readonly #target: ProbeTarget;
  readonly #probe: ReadinessProbe;
  readonly #onFlip: (ready: boolean, outcome: ProbeOutcome) => void;
  #ready = false;
  #successes = 0;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #abort: AbortController | undefined;
  #stopped = false;

  constructor(target: ProbeTarget, probe: ReadinessProbe, onFlip: (ready: boolean, outcome: ProbeOutcome) => void) {
    this.#target = target;
    this.#probe = probe;
    this.#onFlip = onFlip;
  }

  get ready(): boolean {
    return this.#ready;
  }

  start(): void {
    this.#schedule(this.#probe.initialDelaySeconds * 1000);
  }

  /** Cancels the probe in flight, if any; no result is recorded after this. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort?.abort();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    // Probes never keep a process alive on their own: the servers they feed do.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const startedAt = performance.now();
    this.#abort = new AbortController();
    const outcome = await runProbe(this.#probe.action, this.#target, this.#probe.timeoutSeconds * 1000, this.#abort.signal);
    if (this.#stopped) return;
    this.#record(outcome);
    const periodMs = this.#probe.periodSeconds * 1000;
    this.#schedule(Math.max(0, periodMs - (performance.now() - startedAt)));
  }

  #record(outcome: ProbeOutcome): void {
    if (outcome.success) {
      this.#successes++;
      this.#failures = 0;
      if (!this.#ready && this.#successes >= this.#probe.successThreshold) this.#flip(true, outcome);
    } else {
      this.#failures++;
      this.#successes = 0;
      if (this.#ready && this.#failures >= this.#probe.failureThreshold) this.#flip(false, outcome);
    }
  }

  #flip(ready: boolean, outcome: ProbeOutcome): void {
    this.#ready = ready;
    this.#onFlip(ready, outcome);
  }
}
