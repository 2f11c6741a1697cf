import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { ListenerAddress, RunningServer } from './index.ts';
import type { RelayedResponse } from './threads/protocol.ts';

/** Set in a successor's environment: the PID it takes over from. */
export const SUCCESSOR_ENV = 'CLUSTERDNS_HANDOVER_FROM';
/** How long a successor may take to serve before the hand-over is given up. */
const SUCCESSOR_START_MS = 60_000;

type HandOverMessage = { readonly kind: 'serving' } | ({ readonly kind: 'relay' } & RelayedResponse);

export class HandOverError extends Error {
  constructor(reason: string) {
    super(`hand-over failed: ${reason}`);
    this.name = 'HandOverError';
  }
}

/** A successor process serving beside this one, sending this one's last responses from its sockets. */
export interface Successor {
  readonly pid: number;
  relay(relayed: RelayedResponse): void;
  /** Lets the successor go on alone: the channel closes and this process no longer waits for it. */
  release(): void;
}

/**
 * Starts this same command again as a successor (SIGUSR2, as nginx's binary upgrade): it binds
 * beside this process with SO_REUSEPORT and says when it serves. Rejects when it exits or stays
 * silent first; this process then keeps serving as before.
 */
export function startSuccessor(logger: Logger): Promise<Successor> {
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    detached: true,
    env: { ...process.env, [SUCCESSOR_ENV]: String(process.pid) },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new HandOverError(`the successor did not serve within ${SUCCESSOR_START_MS} ms`));
    }, SUCCESSOR_START_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new HandOverError(`the successor exited (${signal ?? code}) before serving`));
    });
    child.on('message', (message: HandOverMessage) => {
      if (message.kind !== 'serving') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        pid: child.pid!,
        relay: (relayed) => {
          if (child.connected) child.send({ kind: 'relay', ...relayed } satisfies HandOverMessage, (error: Error | null) => error && logger.debug({ err: error }, 'relay to successor failed'));
        },
        release: () => {
          if (child.connected) child.disconnect();
          child.unref();
        },
      });
    });
  });
}

/**
 * In a successor (SUCCESSOR_ENV set, with a channel to its predecessor): says it serves, then sends
 * the responses the predecessor relays from its own sockets on the same addresses.
 */
export function serveAsSuccessor(server: RunningServer): void {
  if (process.env[SUCCESSOR_ENV] === undefined || process.send === undefined) return;
  process.on('message', (message: HandOverMessage) => {
    if (message.kind !== 'relay') return;
    const { listener, response, port, address } = message;
    const bytes = Buffer.from(response.buffer, response.byteOffset, response.byteLength);
    server.sendFrom(listener as ListenerAddress, bytes, port, address);
  });
  // The channel must not keep the successor alive once the predecessor has gone.
  process.channel?.unref();
  process.send({ kind: 'serving' } satisfies HandOverMessage);
}
