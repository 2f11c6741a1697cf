import type { FieldSpec, MessageSchema, ScalarType } from './proto-schema.ts';
import { LEN, WireWriter } from './wire-writer.ts';

/**
 * Encodes a JSON object as the protobuf message of its schema, the way the API server's Go
 * marshalers do: fields in number order, value fields always (zero when the JSON leaves them out),
 * pointer fields only when set, map entries sorted by key. A field the schema does not know, or a
 * value of the wrong JSON type, is an error: the fake must never serve less than it was given.
 */

/** The object cannot be encoded: a field the schema lacks, or a value of the wrong type. */
export class ProtobufEncodeError extends Error {
  override readonly name = 'ProtobufEncodeError';
}

type Json = Readonly<Record<string, unknown>>;

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const INT_OR_STRING_INT = 0;
const INT_OR_STRING_STRING = 1;
/** What a zero resource.Quantity marshals to (its String()). */
const ZERO_QUANTITY = '0';

// Encoding is synchronous: one writer, grown to the largest object once, serves every call.
const scratch = new WireWriter();

/** The message's bytes (no envelope). `ignore` lists top-level keys that are not fields (apiVersion, kind: the envelope's). */
export function encodeMessage(schema: MessageSchema, value: Json, path: string, ignore: readonly string[] = []): Buffer {
  checkKeys(schema, value, path, ignore);
  writeFields(scratch.reset(), schema, value, path);
  return scratch.finish();
}

/** The message as field `field` of an enclosing message (its tag and length, then its bytes), and a view of the message alone. */
export function encodeMessageField(field: number, schema: MessageSchema, value: Json, path: string, ignore: readonly string[] = []): { field: Buffer; message: Buffer } {
  checkKeys(schema, value, path, ignore);
  const length = scratch.reset().messageField(field, () => writeFields(scratch, schema, value, path));
  const bytes = scratch.finish();
  return { field: bytes, message: bytes.subarray(bytes.length - length) };
}

function checkKeys(schema: MessageSchema, value: Json, path: string, ignore: readonly string[] = []): void {
  for (const key of Object.keys(value)) {
    if (!schema.keys.has(key) && !ignore.includes(key)) {
      throw new ProtobufEncodeError(`${path}.${key}: the fake's protobuf schema has no such field in ${schema.name} (test/fake-apiserver/proto-schema.ts)`);
    }
  }
}

/** Writes the fields of a message whose keys have been checked (an inline message shares its parent's). */
function writeFields(writer: WireWriter, schema: MessageSchema, value: Json, path: string): void {
  for (const [name, spec] of schema.fields) {
    if (spec.inline) {
      writer.messageField(spec.number, () => writeFields(writer, spec.type as MessageSchema, value, path));
      continue;
    }
    const field = value[name];
    const at = `${path}.${name}`;
    if (field === undefined || field === null) {
      if (!spec.pointer && !spec.repeated && !spec.map) writeZero(writer, spec, at);
    } else if (spec.repeated) {
      if (!Array.isArray(field)) throw new ProtobufEncodeError(`${at}: must be a list, got ${describe(field)}`);
      field.forEach((item: unknown, i) => writeValue(writer, spec, item, `${at}[${i}]`));
    } else if (spec.map) {
      const map = record(field, at);
      for (const key of Object.keys(map).sort()) {
        writer.messageField(spec.number, () => {
          writer.stringField(1, key);
          writeValue(writer, { number: 2, type: spec.type }, map[key], `${at}[${JSON.stringify(key)}]`);
        });
      }
    } else writeValue(writer, spec, field, at);
  }
}

function writeValue(writer: WireWriter, spec: FieldSpec, value: unknown, at: string): void {
  const { number, type } = spec;
  if (typeof type !== 'string') {
    const object = record(value, at);
    checkKeys(type, object, at);
    writer.messageField(number, () => writeFields(writer, type, object, at));
    return;
  }
  switch (type) {
    case 'string':
      writer.stringField(number, expect(value, 'string', at) as string);
      return;
    case 'int32':
    case 'int64':
      if (!Number.isSafeInteger(value)) throw new ProtobufEncodeError(`${at}: must be an integer, got ${describe(value)}`);
      writer.varintField(number, value as number);
      return;
    case 'bool':
      writer.varintField(number, (expect(value, 'boolean', at) as boolean) ? 1 : 0);
      return;
    case 'time': {
      const text = expect(value, 'string', at) as string;
      if (!TIME.test(text)) throw new ProtobufEncodeError(`${at}: must be an RFC 3339 time, got ${describe(value)}`);
      // meta.v1.Time keeps whole seconds (pkg/apis/meta/v1/time_proto.go: ProtoTime leaves nanos 0).
      writer.messageField(number, () => {
        writer.varintField(1, Math.floor(Date.parse(text) / 1000));
        writer.varintField(2, 0);
      });
      return;
    }
    case 'intOrString':
      if (typeof value === 'number') writeIntOrString(writer, number, INT_OR_STRING_INT, value, '');
      else writeIntOrString(writer, number, INT_OR_STRING_STRING, 0, expect(value, 'string', at) as string);
      return;
    case 'quantity':
      writer.messageField(number, () => writer.stringField(1, expect(value, 'string', at) as string));
      return;
    case 'fieldsV1':
      writer.messageField(number, () => writer.bytesField(1, Buffer.from(JSON.stringify(record(value, at)))));
      return;
  }
}

/** What Go writes for a value field left at its zero value. */
function writeZero(writer: WireWriter, spec: FieldSpec, at: string): void {
  const type: ScalarType | MessageSchema = spec.type;
  if (typeof type !== 'string') {
    writer.messageField(spec.number, () => writeFields(writer, type, {}, at));
    return;
  }
  switch (type) {
    case 'string':
      writer.stringField(spec.number, '');
      return;
    case 'int32':
    case 'int64':
    case 'bool':
      writer.varintField(spec.number, 0);
      return;
    case 'time':
      // A zero Time marshals to nothing (time_proto.go), inside a field that is still written.
      writer.tag(spec.number, LEN);
      writer.varint(0);
      return;
    case 'intOrString':
      writeIntOrString(writer, spec.number, INT_OR_STRING_INT, 0, '');
      return;
    case 'quantity':
      writer.messageField(spec.number, () => writer.stringField(1, ZERO_QUANTITY));
      return;
    case 'fieldsV1':
      throw new ProtobufEncodeError(`${at}: FieldsV1 is only ever a pointer`);
  }
}

function writeIntOrString(writer: WireWriter, number: number, type: number, intVal: number, strVal: string): void {
  writer.messageField(number, () => {
    writer.varintField(1, type);
    writer.varintField(2, intVal);
    writer.stringField(3, strVal);
  });
}

function record(value: unknown, at: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ProtobufEncodeError(`${at}: must be an object, got ${describe(value)}`);
  return value as Json;
}

function expect(value: unknown, type: 'string' | 'boolean', at: string): unknown {
  if (typeof value !== type) throw new ProtobufEncodeError(`${at}: must be a ${type}, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'a list' : value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`;
}
