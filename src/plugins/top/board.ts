import type { ClusterView } from '../../cluster/types.ts';
import { ClientTracker, mergeClients, type ClientsSummary } from './tracker.ts';
import { identify, type ClientIdentity } from './who.ts';

interface SharedTracker {
  readonly tracker: ClientTracker;
  users: number;
}

/** A tracker an instance counts into until it lets go of it. */
export interface TrackerLease {
  readonly tracker: ClientTracker;
  release(): void;
}

/**
 * What one thread's `top` instances share. Instances of the same K count into one tracker, so
 * the blocks of a Corefile count together and a reload that keeps K keeps the counts (the new
 * instance takes the tracker before the old one lets it go). On the main thread it also holds the
 * workers' latest summaries and the cluster views that name clients.
 */
export class TopBoard {
  readonly #trackers = new Map<number, SharedTracker>();
  /** One entry per instance that found a cluster view, so two instances of one view each take theirs back. */
  readonly #views = new Set<{ readonly view: ClusterView }>();
  /** By worker thread id, the least recently heard first. */
  readonly #workers = new Map<number, ClientsSummary>();

  acquire(k: number): TrackerLease {
    let shared = this.#trackers.get(k);
    if (shared === undefined) {
      shared = { tracker: new ClientTracker(k), users: 0 };
      this.#trackers.set(k, shared);
    }
    shared.users++;
    const taken = shared;
    let released = false;
    return {
      tracker: taken.tracker,
      release: () => {
        if (released) return;
        released = true;
        if (--taken.users > 0) return;
        this.#trackers.delete(k);
        if (this.#trackers.size === 0) this.#workers.clear();
      },
    };
  }

  /** Names clients from `view` until the returned function is called. */
  addView(view: ClusterView): () => void {
    const entry = { view };
    this.#views.add(entry);
    return () => void this.#views.delete(entry);
  }

  /**
   * A worker's summary, replacing its previous one. A restarted worker comes back under another
   * thread id: beyond `workers` summaries the least recently heard is a worker that went away,
   * and its counts go with it.
   */
  recordWorker(thread: number, summary: ClientsSummary, workers: number): void {
    this.#workers.delete(thread);
    this.#workers.set(thread, summary);
    for (const oldest of this.#workers.keys()) {
      if (this.#workers.size <= workers) break;
      this.#workers.delete(oldest);
    }
  }

  /** This thread's counts: every tracker's, merged. */
  threadSummary(): ClientsSummary | null {
    return mergeClients(Array.from(this.#trackers.values(), ({ tracker }) => tracker.summary()));
  }

  /** This thread's counts with the workers' last reported ones, and how many threads they came from. */
  processSummary(): { readonly summary: ClientsSummary | null; readonly threads: number } {
    const own = this.threadSummary();
    const parts = [...(own === null ? [] : [own]), ...this.#workers.values()];
    return { summary: mergeClients(parts), threads: parts.length };
  }

  identify(ip: string): ClientIdentity {
    return identify(Array.from(this.#views, ({ view }) => view), ip);
  }
}

/** This thread's board: module state, as the metrics registry is. */
export const topBoard = new TopBoard();
