import { pino } from 'pino';

/** Where CoreDNS-style lines (`[INFO] ...`, the startup banner) go: one line, newline added. */
export type LineWriter = (line: string) => void;

/** Lines waiting for a slow or blocked stdout beyond this are dropped rather than piling up. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

let stdout: ReturnType<typeof pino.destination> | null = null;

/**
 * Writes to stdout through one buffered, asynchronous stream, as CoreDNS logs with Go's log
 * package: query logging must not cost a synchronous write per query. Opened on first use.
 */
export const stdoutLine: LineWriter = (line) => {
  if (stdout === null) {
    stdout = pino.destination({ fd: 1, sync: false, maxLength: MAX_BUFFERED_BYTES });
    // A closed stdout (EPIPE) must not take the server down: the lines are lost, queries go on.
    stdout.on('error', () => {});
  }
  stdout.write(`${line}\n`);
};

/** Writes out what is still buffered; call before the process exits. */
export function flushStdout(): void {
  try {
    stdout?.flushSync();
  } catch {
    // A write still in flight finishes on its own; nothing more can be done at exit.
  }
}
