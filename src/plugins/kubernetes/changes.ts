import { AsyncLocalStorage } from 'node:async_hooks';
import type { Reply } from '../../dns/types.ts';
import type { ClusterChanges } from '../../toolkit/offers.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import { WHOLE_CLUSTER } from './dependencies.ts';

type ChangeListener = (keys: readonly string[] | null) => void;

/**
 * One thread's ClusterChanges. The dependency keys are the memo's own (dependencies.ts): an answer
 * notes the keys it was computed from into the recording its query runs in, found through async
 * context, since the query may have been rewritten, walked through a search path by autopath, or
 * answered after a round trip to the main thread. Changes are published by whoever drops memo
 * entries on this thread: the handler on the main thread, the main thread's broadcast on a worker.
 */
export class ChangeFeed implements ClusterChanges {
  readonly #recordings = new AsyncLocalStorage<Set<string>>();
  readonly #listeners = new Set<ChangeListener>();
  /** Recordings not yet settled: while none is, answering notes nothing and pays one comparison. */
  #open = 0;

  recording(into: Set<string>, ask: () => Reply | Promise<Reply>): Reply | Promise<Reply> {
    this.#open++;
    let result: Reply | Promise<Reply>;
    try {
      result = this.#recordings.run(into, ask);
    } catch (error) {
      this.#open--;
      throw error;
    }
    if (!isPromiseLike(result)) {
      this.#open--;
      return result;
    }
    return Promise.resolve(result).finally(() => this.#open--);
  }

  /** Whether some query is recording: the query path looks up what to note only then. */
  get recordingOpen(): boolean {
    return this.#open > 0;
  }

  /**
   * Adds the keys of one answer to the recording the current query runs in, if any: WHOLE_CLUSTER
   * for an answer without keys, so that even it is known to come from the cluster.
   */
  note(keys: Iterable<string>): void {
    const into = this.#recordings.getStore();
    if (into === undefined) return;
    let noted = false;
    for (const key of keys) {
      into.add(key);
      noted = true;
    }
    if (!noted) into.add(WHOLE_CLUSTER);
  }

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(keys: readonly string[] | null): void {
    for (const listener of this.#listeners) listener(keys);
  }
}
