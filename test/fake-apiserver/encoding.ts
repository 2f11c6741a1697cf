import type { KindInfo } from './objects.ts';
import { encodeMessage, encodeMessageField } from './proto-encoder.ts';
import { ListMeta, OBJECT_SCHEMAS, type MessageSchema } from './proto-schema.ts';
import { lengthPrefix, WireWriter } from './wire-writer.ts';

/**
 * The two encodings the fake answers in, chosen by the request's Accept header as the API server
 * chooses (k8s.io/apimachinery pkg/runtime/serializer/protobuf/protobuf.go for the envelope,
 * pkg/util/framer/framer.go for watch frames). Bodies are lists of buffers, mostly views of the
 * objects' stored encodings, written out as they are: a list page allocates next to nothing.
 */

export type Format = 'json' | 'protobuf';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const JSON_TYPE = 'application/json';

type Json = Readonly<Record<string, unknown>>;

/** An object in both encodings, as a list item: JSON without apiVersion and kind, protobuf without the envelope. */
export interface EncodedObject {
  readonly json: Buffer;
  /** Absent when the server does not speak protobuf. */
  readonly protobuf?: ProtobufObject;
}

export interface ProtobufObject {
  /** The object's message. */
  readonly message: Buffer;
  /** The same bytes behind a List's `items = 2` tag and their length (`message` is a view into it). */
  readonly listItem: Buffer;
}

/** The format an Accept header prefers: the range with the highest q, the first among equals. */
export function negotiate(accept: string | undefined, protobuf: boolean): Format {
  let best: { format: Format; q: number } | undefined;
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = Number(params.find((param) => param.startsWith('q='))?.slice(2) ?? '1');
    const format = type === PROTOBUF && protobuf ? 'protobuf' : type === JSON_TYPE || type === 'application/*' || type === '*/*' ? 'json' : undefined;
    if (format && q > 0 && (!best || q > best.q)) best = { format, q };
  }
  // No Accept, or nothing the fake serves: JSON, as the API server defaults to.
  return best?.format ?? 'json';
}

export function contentType(format: Format, watch = false): string {
  if (format === 'json') return JSON_TYPE;
  return watch ? `${PROTOBUF};stream=watch` : PROTOBUF;
}

/** Encodes an object once, for every response that will carry it. */
export function encodeObject(info: KindInfo, object: Json, protobuf: boolean): EncodedObject {
  const { apiVersion: _apiVersion, kind: _kind, ...item } = object;
  const json = Buffer.from(JSON.stringify(item));
  if (!protobuf || info.jsonOnly === true) return { json };
  const { field, message } = encodeMessageField(LIST_ITEMS, schemaOf(info.kind), object, info.kind, ['apiVersion', 'kind']);
  return { json, protobuf: { listItem: field, message } };
}

/** A list page: `{"kind": ..., "items": [...]}`, or the enveloped List message (metadata = 1, items = 2). */
export function listBody(format: Format, info: KindInfo, metadata: Json, items: readonly EncodedObject[]): Buffer[] {
  if (format === 'json') {
    const parts: Buffer[] = [Buffer.from(`{"kind":"${info.listKind}","apiVersion":"${info.apiVersion}","metadata":${JSON.stringify(metadata)},"items":[`)];
    items.forEach((item, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(item.json);
    });
    parts.push(LIST_END);
    return parts;
  }
  const meta = encodeMessage(ListMeta, metadata, 'metadata');
  return envelope(info.apiVersion, info.listKind, [lengthPrefix(LIST_METADATA, meta.length), meta, ...items.map((item) => protobufOf(item).listItem)]);
}

/** One watch event: a line of JSON, or a length-prefixed WatchEvent {type = 1, object = 2 {raw = 1}} whose raw is enveloped. */
export function watchEvent(format: Format, type: string, info: KindInfo, object: EncodedObject): Buffer {
  if (format === 'json') {
    // The item form lacks apiVersion and kind; a watch event's object has them.
    const head = Buffer.from(`{"type":"${type}","object":{"kind":"${info.kind}","apiVersion":"${info.apiVersion}",`);
    return Buffer.concat([head, object.json.subarray(1), EVENT_END]);
  }
  const raw = Buffer.concat(envelope(info.apiVersion, info.kind, [protobufOf(object).message]));
  const writer = new WireWriter();
  writer.stringField(1, type);
  writer.messageField(2, () => writer.bytesField(1, raw));
  const event = writer.finish();
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(event.length);
  return Buffer.concat([prefix, event]);
}

/** An error's body: the Status as JSON, or enveloped. */
export function statusBody(format: Format, status: Json): Buffer[] {
  if (format === 'json') return [Buffer.from(JSON.stringify(status))];
  return envelope('v1', 'Status', [encodeMessage(schemaOf('Status'), status, 'Status', ['apiVersion', 'kind'])]);
}

/** `k8s\0` and a runtime.Unknown {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4}. */
function envelope(apiVersion: string, kind: string, raw: readonly Buffer[]): Buffer[] {
  const writer = new WireWriter();
  writer.messageField(1, () => {
    writer.stringField(1, apiVersion);
    writer.stringField(2, kind);
  });
  const typeMeta = writer.finish();
  const rawLength = raw.reduce((sum, part) => sum + part.length, 0);
  // contentEncoding and contentType: empty, and written all the same (runtime/types_proto.go).
  return [MAGIC, typeMeta, lengthPrefix(2, rawLength), ...raw, EMPTY_CONTENT_FIELDS];
}

function protobufOf(object: EncodedObject): ProtobufObject {
  if (!object.protobuf) throw new Error('protobuf requested from a fake that does not speak it');
  return object.protobuf;
}

function schemaOf(kind: string): MessageSchema {
  const schema = OBJECT_SCHEMAS[kind];
  if (!schema) throw new Error(`no protobuf schema for ${kind}`);
  return schema;
}

const LIST_METADATA = 1;
const LIST_ITEMS = 2;
const MAGIC = Buffer.from('k8s\0', 'latin1');
const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');
const EVENT_END = Buffer.from('}\n');
const EMPTY_CONTENT_FIELDS = Buffer.from([0x1a, 0x00, 0x22, 0x00]);
