import { KubeProtocolError } from './errors.ts';

const PREFIX_BYTES = 4;
/** As client-go's streaming decoder: no watch event is larger. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Splits a protobuf watch stream into its frames: each a 4-byte big-endian length, then that many
 * bytes (k8s.io/apimachinery pkg/util/framer/framer.go, lengthDelimitedFrameWriter). The pieces of
 * a frame that spans many chunks are kept in a list and joined once, when the last one arrives.
 */
export class FrameSplitter {
  readonly #path: string;
  readonly #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** How many bytes the pending pieces must reach before a frame can be complete. */
  #needed = 0;

  /** `path` names the stream in errors. */
  constructor(path: string) {
    this.#path = path;
  }

  /** Calls `onFrame` for every frame this chunk completes. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let data = chunk;
    if (this.#pending.length > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < this.#needed) return;
      data = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending.length = 0;
    }
    let start = 0;
    let needed = PREFIX_BYTES;
    while (data.length - start >= needed) {
      const length = data.readUInt32BE(start);
      if (length > MAX_FRAME_BYTES) throw new KubeProtocolError(this.#path, `a watch frame of ${length} bytes, more than the ${MAX_FRAME_BYTES} allowed`);
      needed = PREFIX_BYTES + length;
      if (data.length - start < needed) break;
      onFrame(data.subarray(start + PREFIX_BYTES, start + needed));
      start += needed;
      needed = PREFIX_BYTES;
    }
    // A frame cut off by the end of the stream is dropped with it: its event did not advance the
    // resourceVersion, so the next watch delivers it again.
    if (start < data.length) {
      this.#pending.push(data.subarray(start));
      this.#pendingBytes = data.length - start;
      this.#needed = needed;
    }
  }
}
