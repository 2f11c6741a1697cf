/**
 * How a plugin instance reaches its twins on the server's other threads. With `-workers N` every
 * thread runs the same configuration; the main thread alone holds what must exist once per process
 * (the cluster watch, HTTP endpoints, the proxy), and the workers ask it through this link. Names
 * are scoped by the server to one plugin instance of one configuration, so `answer` of one
 * block's kubernetes never meets another's.
 */
export interface ThreadLink {
  /** 'main' holds the process-wide duties; a 'worker' only answers queries. */
  readonly role: 'main' | 'worker';
  /** Threads answering queries, this one included (1 without workers). */
  readonly threads: number;
  /** Answers `call(name)` from the other side: workers call the main thread's, the main thread gathers the workers'. */
  serve(name: string, respond: (payload: unknown) => unknown): void;
  /** From a worker: the main thread's answer to `name`. Rejects with ThreadCallError when it has none or fails. */
  call(name: string, payload: unknown): Promise<unknown>;
  /** From the main thread: every worker's answer to `name`, in worker order; a worker that fails or is down is left out. */
  gather(name: string, payload: unknown): Promise<unknown[]>;
  /** From the main thread: tells every worker, in order with the answers it sends. */
  broadcast(name: string, payload: unknown): void;
  /** In a worker: listens to the main thread's broadcasts of `name`. */
  listen(name: string, listener: (payload: unknown) => void): void;
}

/** A call across threads that got no answer: nothing serves the name, it threw, or the thread went away. */
export class ThreadCallError extends Error {
  readonly callName: string;
  constructor(callName: string, reason: string) {
    super(`thread call ${callName}: ${reason}`);
    this.name = 'ThreadCallError';
    this.callName = callName;
  }
}

/** The link of a server without workers: the main thread, with nobody to call, gather or tell. */
export const SINGLE_THREAD: ThreadLink = {
  role: 'main',
  threads: 1,
  serve: () => {},
  call: (name) => Promise.reject(new ThreadCallError(name, 'no main thread to ask: this is it')),
  gather: () => Promise.resolve([]),
  broadcast: () => {},
  listen: () => {},
};
