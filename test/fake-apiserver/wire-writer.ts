/**
 * Writes the protobuf wire format (https://protobuf.dev/programming-guides/encoding/) into a
 * growing buffer. Embedded messages are written in place and their length is slotted in front of
 * them once known, so the output is canonical (minimal varints), as Go's marshalers write it.
 */

export const VARINT = 0;
export const LEN = 2;

export class WireWriter {
  #buffer = Buffer.allocUnsafe(1024);
  #pos = 0;

  /** Starts over, keeping the buffer: one writer serves many messages without growing again. */
  reset(): this {
    this.#pos = 0;
    return this;
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /**
   * A varint. Negative numbers are written as Go writes `uint64(x)` of an int32 or int64: ten
   * bytes of two's complement.
   */
  varint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`cannot write ${value} as a varint`);
    if (value < 0) {
      let wide = BigInt.asUintN(64, BigInt(value));
      this.#reserve(10);
      while (wide >= 0x80n) {
        this.#buffer[this.#pos++] = Number(wide & 0x7fn) | 0x80;
        wide >>= 7n;
      }
      this.#buffer[this.#pos++] = Number(wide);
      return;
    }
    this.#reserve(8);
    let rest = value;
    while (rest >= 0x80) {
      this.#buffer[this.#pos++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#buffer[this.#pos++] = rest;
  }

  varintField(field: number, value: number): void {
    this.tag(field, VARINT);
    this.varint(value);
  }

  stringField(field: number, value: string): void {
    this.tag(field, LEN);
    const length = Buffer.byteLength(value);
    this.varint(length);
    this.#reserve(length);
    this.#pos += this.#buffer.write(value, this.#pos, 'utf8');
  }

  bytesField(field: number, value: Uint8Array): void {
    this.tag(field, LEN);
    this.varint(value.length);
    this.#reserve(value.length);
    this.#buffer.set(value, this.#pos);
    this.#pos += value.length;
  }

  /** A length-delimited field whose content `write` writes; returns the content's length. */
  messageField(field: number, write: () => void): number {
    this.tag(field, LEN);
    const start = this.#pos;
    write();
    const length = this.#pos - start;
    const prefix = varintSize(length);
    this.#reserve(prefix);
    this.#buffer.copyWithin(start + prefix, start, this.#pos);
    const end = this.#pos + prefix;
    this.#pos = start;
    this.varint(length);
    this.#pos = end;
    return length;
  }

  /** The bytes written, in a buffer of their own. */
  finish(): Buffer {
    return Buffer.from(this.#buffer.subarray(0, this.#pos));
  }

  #reserve(bytes: number): void {
    if (this.#pos + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#pos + bytes));
    this.#buffer.copy(grown, 0, 0, this.#pos);
    this.#buffer = grown;
  }
}

export function varintSize(value: number): number {
  let size = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

/** A tag and length: what goes before a length-delimited field's content. */
export function lengthPrefix(field: number, length: number): Buffer {
  const writer = new WireWriter();
  writer.tag(field, LEN);
  writer.varint(length);
  return writer.finish();
}
