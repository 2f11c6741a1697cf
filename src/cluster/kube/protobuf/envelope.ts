import { ProtobufError, WireReader, type Span } from './wire.ts';

/**
 * The envelope around every object the API server sends as protobuf: the magic bytes `k8s\0`,
 * then a runtime.Unknown naming the object's kind and holding its bytes.
 *
 * Sources: k8s.io/apimachinery pkg/runtime/serializer/protobuf/protobuf.go (protoEncodingPrefix),
 * pkg/runtime/generated.proto:
 *   message Unknown  { optional TypeMeta typeMeta = 1; optional bytes raw = 2;
 *                      optional string contentEncoding = 3; optional string contentType = 4; }
 *   message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
 * (runtime.TypeMeta numbers apiVersion 1 and kind 2, the reverse of meta.v1.TypeMeta.)
 */

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from('k8s\0', 'latin1');

export interface Envelope {
  readonly apiVersion: string;
  readonly kind: string;
  /** Where the object's own message lies in the buffer. */
  readonly raw: Span;
}

interface UnknownFields {
  apiVersion: string;
  kind: string;
  raw: Span | undefined;
  contentEncoding: string;
}

/** Reads the envelope spanning `span` of the reader's buffer. */
export function readEnvelope(reader: WireReader, span: Span): Envelope {
  const { buffer } = reader;
  if (span.end - span.start < MAGIC.length || buffer.compare(MAGIC, 0, MAGIC.length, span.start, span.start + MAGIC.length) !== 0) {
    throw new ProtobufError('no k8s protobuf envelope (the first four bytes are not "k8s\\0")', span.start);
  }
  const unknown = reader.fields({ start: span.start + MAGIC.length, end: span.end }, { apiVersion: '', kind: '', raw: undefined, contentEncoding: '' }, readUnknownField);
  // The API server never compresses inside the envelope (HTTP does that); a client could not read it anyway.
  if (unknown.contentEncoding !== '') throw new ProtobufError(`unsupported contentEncoding ${JSON.stringify(unknown.contentEncoding)}`, span.start);
  if (unknown.raw === undefined) throw new ProtobufError(`the ${unknown.kind || 'envelope'} holds no object`, span.start);
  return { apiVersion: unknown.apiVersion, kind: unknown.kind, raw: unknown.raw };
}

function readUnknownField(reader: WireReader, field: number, unknown: UnknownFields): void {
  switch (field) {
    case 1:
      reader.message(unknown, readTypeMetaField);
      break;
    case 2:
      unknown.raw = reader.bytes();
      break;
    case 3:
      unknown.contentEncoding = reader.string();
      break;
    default:
      reader.skip();
  }
}

function readTypeMetaField(reader: WireReader, field: number, unknown: UnknownFields): void {
  if (field === 1) unknown.apiVersion = reader.string();
  else if (field === 2) unknown.kind = reader.string();
  else reader.skip();
}
