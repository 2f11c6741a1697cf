import { readEndpointSlice } from './endpointslice.ts';
import { readEnvelope } from './envelope.ts';
import { readObjectMeta, readStatusField, type ObjectMetaJson } from './meta.ts';
import { readPod } from './pod.ts';
import { readService } from './service.ts';
import { ProtobufError, WireReader, type Span } from './wire.ts';

/** An API object decoded from protobuf, in the shape of its JSON: what src/cluster/convert.ts takes. */
export interface ObjectJson {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaJson;
}

/** Reads the fields of one object message spanning `span` (a list item, or an envelope's raw bytes). */
export type ObjectReader = (reader: WireReader, span: Span) => ObjectJson;

/**
 * The kinds this client reads, by the name the envelope gives them. A Namespace is read for its
 * metadata only (core/v1/generated.proto: Namespace metadata = 1; spec 2 and status 3 skipped);
 * a Status is what an error carries (apimachinery pkg/apis/meta/v1/generated.proto).
 */
const OBJECT_READERS: Readonly<Record<string, ObjectReader>> = {
  Service: readService,
  EndpointSlice: readEndpointSlice,
  Pod: readPod,
  Namespace: (reader, span) => reader.fields(span, {}, readNamespaceField),
  Status: (reader, span) => reader.fields(span, {}, readStatusField),
};

/** The reader for a kind; a kind this client does not watch is an error at `offset`. */
export function objectReader(kind: string, offset: number): ObjectReader {
  const read = Object.hasOwn(OBJECT_READERS, kind) ? OBJECT_READERS[kind] : undefined;
  if (!read) throw new ProtobufError(`cannot decode a ${kind ? JSON.stringify(kind) : 'message without a kind'}`, offset);
  return read;
}

/** Reads the enveloped object spanning `span`; it carries its apiVersion and kind, as a JSON object does. */
export function readEnvelopedObject(reader: WireReader, span: Span): ObjectJson {
  const envelope = readEnvelope(reader, span);
  const object = objectReader(envelope.kind, span.start)(reader, envelope.raw);
  object.apiVersion = envelope.apiVersion;
  object.kind = envelope.kind;
  return object;
}

function readNamespaceField(reader: WireReader, field: number, namespace: ObjectJson): void {
  if (field === 1) namespace.metadata = readObjectMeta(reader);
  else reader.skip();
}

/** Decodes a whole body holding one enveloped object (an error's Status). */
export function decodeObject(body: Buffer): ObjectJson {
  const reader = new WireReader(body);
  return readEnvelopedObject(reader, reader.whole);
}
