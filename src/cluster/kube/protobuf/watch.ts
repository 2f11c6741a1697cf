import { readEnvelopedObject, type ObjectJson } from './objects.ts';
import { ProtobufError, WireReader, type Span } from './wire.ts';

/**
 * One event of a protobuf watch stream (a frame: see ../frames.ts). The event itself has no
 * envelope; its object does. Source: k8s.io/apimachinery pkg/apis/meta/v1/generated.proto and
 * pkg/runtime/generated.proto:
 *   message WatchEvent   { optional string type = 1; optional RawExtension object = 2; }
 *   message RawExtension { optional bytes raw = 1; }
 * ADDED, MODIFIED and DELETED carry the object, BOOKMARK an object of the kind with only
 * metadata.resourceVersion, ERROR a Status.
 */

export interface WatchEventJson {
  type: string;
  object: ObjectJson;
}

interface EventFields {
  type: string;
  raw: Span | undefined;
}

export function decodeWatchEvent(frame: Buffer): WatchEventJson {
  const reader = new WireReader(frame);
  const event = reader.fields(reader.whole, { type: '', raw: undefined }, readEventField);
  if (event.raw === undefined) throw new ProtobufError(`the ${event.type || 'watch'} event has no object`, 0);
  return { type: event.type, object: readEnvelopedObject(reader, event.raw) };
}

function readEventField(reader: WireReader, field: number, event: EventFields): void {
  if (field === 1) event.type = reader.string();
  else if (field === 2) reader.message(event, readRawExtensionField);
  else reader.skip();
}

function readRawExtensionField(reader: WireReader, field: number, event: EventFields): void {
  if (field === 1) event.raw = reader.bytes();
  else reader.skip();
}
