/**
 * Splits a text stream into lines (the watch protocol's one JSON event per line). Pieces of a
 * line that spans many chunks are kept in a list and joined once, not concatenated per chunk.
 */
export class LineSplitter {
  readonly #pending: string[] = [];

  /** Calls `onLine` for every line this chunk completes. */
  push(chunk: string, onLine: (line: string) => void): void {
    let start = 0;
    let newline = chunk.indexOf('\n');
    while (newline >= 0) {
      let line = chunk.slice(start, newline);
      if (this.#pending.length > 0) {
        this.#pending.push(line);
        line = this.#pending.join('');
        this.#pending.length = 0;
      }
      if (line.trim() !== '') onLine(line);
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    // A line cut off by the end of the stream is dropped with it: its event did not advance the
    // resourceVersion, so the next watch delivers it again.
    if (start < chunk.length) this.#pending.push(chunk.slice(start));
  }
}
