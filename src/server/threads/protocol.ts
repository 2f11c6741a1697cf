import type { Corefile } from '../../corefile/types.ts';

/** A response a thread handing over asks the successor to send (see RunningServer.handOver). */
export interface RelayedResponse {
  readonly listener: { readonly host: string; readonly port: number };
  readonly response: Uint8Array;
  readonly port: number;
  readonly address: string;
}

/** What a worker thread starts with (its workerData). */
export interface WorkerStart {
  /** 1.. (the main thread is 0), for logs. */
  readonly index: number;
  /** Threads answering queries, the main thread included. */
  readonly threads: number;
  readonly corefile: Corefile;
  readonly dnsPort: number;
  readonly quiet: boolean;
}

/** The calls between the server's threads themselves, beside the plugins' scoped ones. */
export const WORKER_CALLS = {
  /** Worker → main: serving now (payload: its index). */
  started: 'server/started',
  /** Worker → main: could not start (payload: index and message). */
  failed: 'server/failed',
  /** Main → worker: apply this Corefile, as RunningServer.reload. */
  reload: 'server/reload',
  /** Main → worker: still turning its event loop? (answered at once) */
  ping: 'server/ping',
  /** Main → worker: hand the UDP addresses over to a successor process (RunningServer.handOver). */
  handOver: 'server/hand-over',
  /** Worker → main, during a hand-over: send this response from the successor's socket. */
  relay: 'server/relay',
  /** Main → worker: stop serving, let owed answers finish, and end. */
  stop: 'server/stop',
} as const;
