import { describe, expect, it } from 'vitest';
import { field, message, varint } from '../../../test-support/protobuf.ts';
import { ProtobufError, WireReader, type FieldHandler } from './wire.ts';

interface Seen {
  numbers: number[];
  strings: string[];
}

/** Reads varint field 1 as int64, 2 as int32, 3 as a string, 4 as a bool; skips the rest. */
const readKnown: FieldHandler<Seen> = (reader, number, seen) => {
  if (number === 1) seen.numbers.push(reader.int64());
  else if (number === 2) seen.numbers.push(reader.int32());
  else if (number === 3) seen.strings.push(reader.string());
  else if (number === 4) seen.numbers.push(Number(reader.bool()));
  else reader.skip();
};

function read(bytes: Buffer): Seen {
  const reader = new WireReader(bytes);
  return reader.fields(reader.whole, { numbers: [], strings: [] }, readKnown);
}

describe('WireReader', () => {
  it('reads varints of one to ten bytes', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER];
    expect(read(message(...values.map((value) => field(1, value)))).numbers).toEqual(values);
  });

  it('reads negative int32 and int64 values, which take ten bytes', () => {
    expect(varint(-1).length).toBe(10);
    expect(read(message(field(2, -1), field(2, -2147483648), field(1, -62135596800))).numbers).toEqual([-1, -2147483648, -62135596800]);
  });

  it('reads UTF-8 strings and booleans', () => {
    expect(read(message(field(3, ''), field(3, 'café ☕'), field(4, true), field(4, false)))).toEqual({ numbers: [1, 0], strings: ['', 'café ☕'] });
  });

  it('skips fields it is not asked for, of every wire type', () => {
    const fixed64 = message(varint(9 * 8 + 1), Buffer.alloc(8, 0xff));
    const fixed32 = message(varint(10 * 8 + 5), Buffer.alloc(4, 0xff));
    const bytes = message(field(3, 'before'), field(7, 2 ** 40), fixed64, field(8, message(field(3, 'nested, unread'))), fixed32, field(3, 'after'));
    expect(read(bytes).strings).toEqual(['before', 'after']);
  });

  it('reads map entries, an absent key or value as empty', () => {
    const reader = new WireReader(message(field(1, message(field(1, 'a'), field(2, 'x'))), field(1, message(field(2, 'no key'))), field(1, message(field(9, 1), field(1, 'b')))));
    const map: Record<string, string> = {};
    reader.fields(reader.whole, map, (inner, _number, target) => inner.stringMapEntry(target));
    expect(map).toEqual({ a: 'x', '': 'no key', b: '' });
  });

  it.each([
    ['a cut-off varint', Buffer.from([0x08, 0x80]), /a varint is cut off \(at byte 1\)/],
    ['a varint of eleven bytes', message(Buffer.from([0x08]), Buffer.alloc(10, 0x80), Buffer.from([0x01])), /longer than ten bytes/],
    ['a cut-off string', Buffer.from([0x1a, 0x05, 0x61]), /a field of 5 bytes is cut off after 1 \(at byte 2\)/],
    ['a cut-off fixed64', message(varint(9 * 8 + 1), Buffer.alloc(3)), /an? 8-byte value is cut off/],
    ['field number 0', Buffer.from([0x00, 0x01]), /no field has the tag 0/],
    ['a group', Buffer.from([9 * 8 + 3]), /unsupported group start/],
    ['a known field of the wrong wire type', message(field(3, 5)), /expected a length-delimited value, the tag says varint/],
  ])('fails on %s with a ProtobufError', (_name, bytes, problem) => {
    expect(() => read(bytes)).toThrow(ProtobufError);
    expect(() => read(bytes)).toThrow(problem);
  });

  it('fails when a nested message overruns the message around it', () => {
    // An outer message of 3 bytes whose inner field claims 4.
    const bytes = message(varint(5 * 8 + 2), varint(3), varint(1 * 8 + 2), varint(4), Buffer.from('abcd'));
    const reader = new WireReader(bytes);
    const readOuter: FieldHandler<object> = (inner, _number, target) => inner.message(target, (r) => r.skip());
    expect(() => reader.fields(reader.whole, {}, readOuter)).toThrow(/runs 3 bytes past the end of its message \(at byte 5\)/);
  });
});
