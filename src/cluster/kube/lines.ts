const NEWLINE = 0x0a;

/**
 * Splits a JSON watch stream into lines (one event per line). UTF-8 never uses the newline byte
 * inside a character, so the bytes are split before they are decoded. Pieces of a line that spans
 * many chunks are kept in a list and joined once.
 */
export class LineSplitter {
  readonly #pending: Buffer[] = [];

  /** Calls `onLine` for every non-blank line this chunk completes. */
  push(chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);
    while (newline >= 0) {
      const line = this.#pending.length > 0 ? this.#joinPending(chunk.subarray(start, newline)) : chunk.toString('utf8', start, newline);
      if (line.trim() !== '') onLine(line);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    // A line cut off by the end of the stream is dropped with it: its event did not advance the
    // resourceVersion, so the next watch delivers it again.
    if (start < chunk.length) this.#pending.push(chunk.subarray(start));
  }

  #joinPending(last: Buffer): string {
    this.#pending.push(last);
    const line = Buffer.concat(this.#pending).toString('utf8');
    this.#pending.length = 0;
    return line;
  }
}
