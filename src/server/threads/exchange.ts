import type { ThreadLink } from '../../toolkit/threads.ts';
import { ThreadCallError } from '../../toolkit/threads.ts';

/** What crosses between the main thread and a worker (structured clone keeps the types). */
export type ThreadMessage =
  | { readonly t: 'call'; readonly id: number; readonly name: string; readonly payload: unknown }
  | { readonly t: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly t: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  | { readonly t: 'event'; readonly name: string; readonly payload: unknown };

/** The side of a worker's channel this thread holds: a Worker in the main thread, parentPort in a worker. */
export interface Port {
  postMessage(message: ThreadMessage): void;
}

type Responder = (payload: unknown) => unknown;
type Listener = (payload: unknown) => void;

interface PendingCall {
  readonly name: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * One thread's end of the calls and broadcasts between threads: the services it answers, the
 * calls it waits on, and (in the main thread) the workers' ports. Both roles use one class, as
 * a call is the same message in either direction.
 */
export class Exchange {
  readonly role: 'main' | 'worker';
  readonly threads: number;
  /** By name, newest last: a reload's configuration serves a name before the old one lets it go. */
  readonly #services = new Map<string, Responder[]>();
  /** By name: during a reload both configurations hear a broadcast. */
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #pending = new Map<number, PendingCall>();
  /** Calls this thread made, by port, so a port that goes away fails them at once. */
  readonly #callsByPort = new Map<Port, Set<number>>();
  readonly #ports: Port[] = [];
  #nextId = 1;

  constructor(role: 'main' | 'worker', threads: number) {
    this.role = role;
    this.threads = threads;
  }

  /** The main thread's ports, one per running worker; a worker's single port to the main thread. */
  attach(port: Port): void {
    this.#ports.push(port);
  }

  /** A worker exited: its port goes, and what this thread was waiting on from it fails. */
  detach(port: Port): void {
    const index = this.#ports.indexOf(port);
    if (index >= 0) this.#ports.splice(index, 1);
    for (const id of this.#callsByPort.get(port) ?? []) {
      const call = this.#pending.get(id);
      this.#pending.delete(id);
      call?.reject(new ThreadCallError(call.name, 'the thread went away'));
    }
    this.#callsByPort.delete(port);
  }

  serve(name: string, respond: Responder): void {
    const responders = this.#services.get(name);
    if (responders === undefined) this.#services.set(name, [respond]);
    else responders.push(respond);
  }

  unserve(name: string, respond: Responder): void {
    const responders = this.#services.get(name);
    if (responders === undefined) return;
    const index = responders.indexOf(respond);
    if (index >= 0) responders.splice(index, 1);
    if (responders.length === 0) this.#services.delete(name);
  }

  listen(name: string, listener: Listener): void {
    const listeners = this.#listeners.get(name);
    if (listeners === undefined) this.#listeners.set(name, new Set([listener]));
    else listeners.add(listener);
  }

  unlisten(name: string, listener: Listener): void {
    const listeners = this.#listeners.get(name);
    listeners?.delete(listener);
    if (listeners?.size === 0) this.#listeners.delete(name);
  }

  call(name: string, payload: unknown): Promise<unknown> {
    const port = this.#ports[0];
    if (this.role !== 'worker' || port === undefined) return Promise.reject(new ThreadCallError(name, 'only a worker calls the main thread'));
    return this.#send(port, name, payload);
  }

  /** From the main thread: one worker's answer. */
  callWorker(port: Port, name: string, payload: unknown): Promise<unknown> {
    if (this.role !== 'main' || !this.#ports.includes(port)) return Promise.reject(new ThreadCallError(name, 'no such worker'));
    return this.#send(port, name, payload);
  }

  gather(name: string, payload: unknown): Promise<unknown[]> {
    if (this.role !== 'main') return Promise.reject(new ThreadCallError(name, 'only the main thread gathers'));
    return Promise.allSettled(this.#ports.map((port) => this.#send(port, name, payload))).then((results) =>
      results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
    );
  }

  broadcast(name: string, payload: unknown): void {
    if (this.role !== 'main') return;
    const message: ThreadMessage = { t: 'event', name, payload };
    for (const port of this.#ports) port.postMessage(message);
  }

  /** A message from `port`: answers a call, settles one of ours, or delivers a broadcast. */
  receive(port: Port, message: ThreadMessage): void {
    switch (message.t) {
      case 'call':
        this.#answer(port, message.id, message.name, message.payload);
        return;
      case 'reply': {
        const call = this.#pending.get(message.id);
        if (call === undefined) return;
        this.#pending.delete(message.id);
        this.#callsByPort.get(port)?.delete(message.id);
        if (message.ok) call.resolve(message.value);
        else call.reject(new ThreadCallError(call.name, message.error));
        return;
      }
      case 'event':
        for (const listener of this.#listeners.get(message.name) ?? []) listener(message.payload);
        return;
    }
  }

  /** A ThreadLink whose names are `prefix` + the plugin's, and a function that forgets them. */
  scoped(prefix: string): { link: ThreadLink; release: () => void } {
    const undo: (() => void)[] = [];
    const link: ThreadLink = {
      role: this.role,
      threads: this.threads,
      serve: (name, respond) => {
        this.serve(prefix + name, respond);
        undo.push(() => this.unserve(prefix + name, respond));
      },
      call: (name, payload) => this.call(prefix + name, payload),
      gather: (name, payload) => this.gather(prefix + name, payload),
      broadcast: (name, payload) => this.broadcast(prefix + name, payload),
      listen: (name, listener) => {
        this.listen(prefix + name, listener);
        undo.push(() => this.unlisten(prefix + name, listener));
      },
    };
    const release = (): void => {
      for (const step of undo) step();
    };
    return { link, release };
  }

  #send(port: Port, name: string, payload: unknown): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { name, resolve, reject });
      let ids = this.#callsByPort.get(port);
      if (ids === undefined) {
        ids = new Set();
        this.#callsByPort.set(port, ids);
      }
      ids.add(id);
      port.postMessage({ t: 'call', id, name, payload });
    });
  }

  #answer(port: Port, id: number, name: string, payload: unknown): void {
    const respond = this.#services.get(name)?.at(-1);
    if (respond === undefined) {
      port.postMessage({ t: 'reply', id, ok: false, error: 'nothing serves it on this thread' });
      return;
    }
    const fail = (error: unknown): void => port.postMessage({ t: 'reply', id, ok: false, error: (error as Error)?.message ?? String(error) });
    let value: unknown;
    try {
      value = respond(payload);
    } catch (error) {
      fail(error);
      return;
    }
    if (value instanceof Promise) value.then((settled) => port.postMessage({ t: 'reply', id, ok: true, value: settled }), fail);
    else port.postMessage({ t: 'reply', id, ok: true, value });
  }
}
