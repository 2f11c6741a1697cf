/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/), read in place from
 * a Buffer. A message is a run of fields, each a tag (field number and wire type) then a value;
 * the decoders here ask only for the fields they need and skip every other one by its length, so
 * the bulk of an API object (managedFields, most of a pod's spec and status) is never decoded and
 * leaves no garbage behind.
 */

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

const WIRE_TYPE_NAMES = ['varint', 'i64', 'length-delimited', 'group start', 'group end', 'i32', 'wire type 6', 'wire type 7'];

/**
 * Buffer#toString checks its arguments and picks a decoder on every call, a cost that shows over
 * millions of short strings; the UTF-8 decoder it ends in is on every Buffer (as protobufjs uses it).
 */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice(this: Buffer, start: number, end: number): string }).utf8Slice;

/** Bytes that are not the protobuf message they should be: truncated, overrunning, or of the wrong wire type. */
export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
  /** Where in the decoded buffer the problem was found. */
  readonly offset: number;

  constructor(problem: string, offset: number) {
    super(`${problem} (at byte ${offset})`);
    this.offset = offset;
  }
}

/** A range of the buffer: a length-delimited field's content. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Called with each field of a message, in wire order; must read the field's value or skip it. */
export type FieldHandler<T> = (reader: WireReader, field: number, target: T) => void;

/**
 * A cursor over a buffer holding protobuf messages. Each read checks the wire type the tag announced
 * and the bounds of the buffer; a nested message must end exactly where its length says.
 */
export class WireReader {
  readonly buffer: Buffer;
  #pos = 0;
  /** The wire type of the tag read last: what the next read or skip expects. */
  #wireType = 0;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  /** The whole buffer, as a span. */
  get whole(): Span {
    return { start: 0, end: this.buffer.length };
  }

  /** Reads the fields of the message spanning `span`, handing each to `handler`; returns `target`. */
  fields<T>(span: Span, target: T, handler: FieldHandler<T>): T {
    this.#pos = span.start;
    return this.#fieldsUntil(span.end, target, handler);
  }

  /** Reads a length-delimited field as an embedded message into `target`. */
  message<T>(target: T, handler: FieldHandler<T>): T {
    return this.#fieldsUntil(this.#contentEnd(), target, handler);
  }

  /** Reads a length-delimited field without decoding it: where its content lies. */
  bytes(): Span {
    const end = this.#contentEnd();
    const start = this.#pos;
    this.#pos = end;
    return { start, end };
  }

  string(): string {
    const end = this.#contentEnd();
    const text = utf8Slice.call(this.buffer, this.#pos, end);
    this.#pos = end;
    return text;
  }

  /** An int32 field: the low 32 bits of the varint, signed (negative values take ten bytes). */
  int32(): number {
    this.#expect(VARINT);
    return this.#varint() | 0;
  }

  /** An int64 field, exact while below 2^53 in magnitude (seconds, counts: always). */
  int64(): number {
    this.#expect(VARINT);
    return this.#varint();
  }

  bool(): boolean {
    this.#expect(VARINT);
    return this.#varint() !== 0;
  }

  /** Reads one entry of a map<string, string> field (on the wire, a repeated {key = 1, value = 2} message) into `map`. */
  stringMapEntry(map: Record<string, string>): void {
    const end = this.#contentEnd();
    let key = '';
    let value = '';
    while (this.#pos < end) {
      const field = this.#tag();
      if (field === 1) key = this.string();
      else if (field === 2) value = this.string();
      else this.skip();
    }
    this.#checkEnd(end);
    map[key] = value;
  }

  /** Steps over the value of the field whose tag was read last. */
  skip(): void {
    switch (this.#wireType) {
      case VARINT:
        this.#varint();
        return;
      case LEN:
        this.#pos = this.#contentEnd();
        return;
      case I64:
        this.#advance(8);
        return;
      case I32:
        this.#advance(4);
        return;
      default:
        // Groups (3, 4) were deprecated before Kubernetes existed; 6 and 7 are not wire types.
        throw new ProtobufError(`unsupported ${WIRE_TYPE_NAMES[this.#wireType]}`, this.#pos);
    }
  }

  #fieldsUntil<T>(end: number, target: T, handler: FieldHandler<T>): T {
    while (this.#pos < end) handler(this, this.#tag(), target);
    this.#checkEnd(end);
    return target;
  }

  #checkEnd(end: number): void {
    if (this.#pos !== end) throw new ProtobufError(`a field runs ${this.#pos - end} bytes past the end of its message`, end);
  }

  /** Reads a length-delimited field's length; leaves the cursor at its content and returns where that ends. */
  #contentEnd(): number {
    this.#expect(LEN);
    const length = this.#varint();
    const start = this.#pos;
    if (length < 0) throw new ProtobufError(`a negative length ${length}`, start);
    if (length > this.buffer.length - start) throw new ProtobufError(`a field of ${length} bytes is cut off after ${this.buffer.length - start}`, start);
    return start + length;
  }

  /** Reads a tag; returns its field number and keeps its wire type for the value's read. */
  #tag(): number {
    const at = this.#pos;
    const tag = this.#varint();
    // Field numbers run from 1 to 2^29 - 1: anything else is not a tag.
    if (tag < 8 || tag > 0xffff_ffff) throw new ProtobufError(`no field has the tag ${tag}`, at);
    this.#wireType = tag & 7;
    return tag >>> 3;
  }

  #expect(wireType: number): void {
    if (this.#wireType !== wireType) {
      throw new ProtobufError(`expected a ${WIRE_TYPE_NAMES[wireType]} value, the tag says ${WIRE_TYPE_NAMES[this.#wireType]}`, this.#pos);
    }
  }

  #advance(bytes: number): void {
    if (bytes > this.buffer.length - this.#pos) throw new ProtobufError(`a ${bytes}-byte value is cut off`, this.#pos);
    this.#pos += bytes;
  }

  /**
   * A varint of up to 64 bits as a number: unsigned values exact below 2^53, and two's-complement
   * negatives (which always take ten bytes) as the negative number, exact in the same range.
   */
  #varint(): number {
    const buffer = this.buffer;
    const start = this.#pos;
    const end = buffer.length;
    // Most varints (tags, lengths, ports) fit one byte.
    if (start < end && buffer[start]! < 0x80) {
      this.#pos = start + 1;
      return buffer[start]!;
    }
    let low = 0;
    let high = 0;
    let pos = start;
    for (let shift = 0; shift < 64; shift += 7) {
      if (pos >= end) throw new ProtobufError('a varint is cut off', start);
      const byte = buffer[pos++]!;
      const bits = byte & 0x7f;
      if (shift < 28) low |= bits << shift;
      else if (shift === 28) {
        low |= bits << 28;
        high = bits >>> 4;
      } else high |= bits << (shift - 32);
      if (byte < 0x80) {
        this.#pos = pos;
        return (high | 0) * 0x1_0000_0000 + (low >>> 0);
      }
    }
    throw new ProtobufError('a varint longer than ten bytes', start);
  }
}
