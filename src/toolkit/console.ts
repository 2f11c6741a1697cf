import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { pino } from 'pino';

/** Where CoreDNS-style lines (`[INFO] ...`, the startup banner) go: one line, newline added. */
export type LineWriter = (line: string) => void;

/** Lines waiting for a slow or blocked stdout beyond this are dropped rather than piling up. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** What the kernel writes to a pipe in one piece, whoever else writes to it (POSIX PIPE_BUF on Linux). */
const PIPE_BUF = 4096;
const RETRY_MS = 10;

let stdout: ReturnType<typeof pino.destination> | null = null;

/**
 * A worker thread's stdout lines: batched per turn of its event loop and written as whole lines,
 * at most PIPE_BUF bytes a write(2), so the threads' lines never interleave mid-line on a pipe.
 */
class WorkerLines {
  #lines: string[] = [];
  #bytes = 0;
  #scheduled = false;

  write(line: string): void {
    if (this.#bytes > MAX_BUFFERED_BYTES) return;
    this.#lines.push(line);
    this.#bytes += line.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    while (this.#lines.length > 0) {
      let chunk = '';
      let taken = 0;
      while (taken < this.#lines.length && (taken === 0 || Buffer.byteLength(chunk) + Buffer.byteLength(this.#lines[taken]!) <= PIPE_BUF)) {
        chunk += this.#lines[taken]!;
        taken++;
      }
      try {
        writeSync(1, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.#lines = [];
          this.#bytes = 0;
          return;
        }
        this.#scheduled = true;
        setTimeout(() => this.flush(), RETRY_MS);
        return;
      }
      this.#lines.splice(0, taken);
      this.#bytes -= chunk.length;
    }
  }
}

const workerLines = isMainThread ? null : new WorkerLines();

/**
 * Writes to stdout through one buffered, asynchronous stream, as CoreDNS logs with Go's log
 * package: query logging must not cost a synchronous write per query. Opened on first use.
 */
export const stdoutLine: LineWriter = (line) => {
  if (workerLines !== null) {
    workerLines.write(`${line}\n`);
    return;
  }
  if (stdout === null) {
    stdout = pino.destination({ fd: 1, sync: false, maxLength: MAX_BUFFERED_BYTES });
    // A closed stdout (EPIPE) must not take the server down: the lines are lost, queries go on.
    stdout.on('error', () => {});
  }
  stdout.write(`${line}\n`);
};

/** Writes out what is still buffered; call before the process exits. */
export function flushStdout(): void {
  workerLines?.flush();
  try {
    stdout?.flushSync();
  } catch {
    // A write still in flight finishes on its own; nothing more can be done at exit.
  }
}
