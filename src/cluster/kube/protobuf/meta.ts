import type { WireReader } from './wire.ts';

/**
 * meta.v1 messages, as the JSON the API would send. Source: k8s.io/apimachinery
 * pkg/apis/meta/v1/generated.proto:
 *   ObjectMeta: name = 1, namespace = 3, resourceVersion = 6, deletionTimestamp = 9 (Time),
 *               labels = 11, annotations = 12 (map<string, string>); the rest (generateName 2,
 *               selfLink 4, uid 5, generation 7, creationTimestamp 8, ownerReferences 13,
 *               finalizers 14, managedFields 17, ...) is skipped.
 *   ListMeta:   resourceVersion = 2, continue = 3
 *   Time:       seconds = 1 (int64), nanos = 2
 *   Status:     status = 2, message = 3, reason = 4, code = 6 (int32)
 *
 * Go's generated marshalers write every non-pointer field, empty or zero as it may be, where JSON
 * leaves out the empty `omitempty` ones; the decoders here leave them out too, so an object
 * decoded from protobuf has the shape its JSON would have.
 */

export interface ObjectMetaJson {
  name?: string;
  namespace?: string;
  resourceVersion?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ListMetaJson {
  resourceVersion?: string;
  continue?: string;
}

export interface StatusJson {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

export function readObjectMeta(reader: WireReader): ObjectMetaJson {
  return reader.message({}, readObjectMetaField);
}

function readObjectMetaField(reader: WireReader, field: number, meta: ObjectMetaJson): void {
  switch (field) {
    case 1:
      setString(meta, 'name', reader.string());
      break;
    case 3:
      setString(meta, 'namespace', reader.string());
      break;
    case 6:
      setString(meta, 'resourceVersion', reader.string());
      break;
    case 9: {
      // A pointer: present means deleting, but a zero Time (empty message) is JSON null.
      const timestamp = readTime(reader);
      if (timestamp !== undefined) meta.deletionTimestamp = timestamp;
      break;
    }
    case 11:
      reader.stringMapEntry((meta.labels ??= {}));
      break;
    case 12:
      reader.stringMapEntry((meta.annotations ??= {}));
      break;
    default:
      reader.skip();
  }
}

export function readListMetaField(reader: WireReader, field: number, meta: ListMetaJson): void {
  if (field === 2) setString(meta, 'resourceVersion', reader.string());
  else if (field === 3) setString(meta, 'continue', reader.string());
  else reader.skip();
}

export function readStatusField(reader: WireReader, field: number, status: StatusJson): void {
  switch (field) {
    case 2:
      setString(status, 'status', reader.string());
      break;
    case 3:
      setString(status, 'message', reader.string());
      break;
    case 4:
      setString(status, 'reason', reader.string());
      break;
    case 6: {
      const code = reader.int32();
      if (code !== 0) status.code = code;
      break;
    }
    default:
      reader.skip();
  }
}

/** A Time as JSON writes it: RFC 3339 in UTC, whole seconds (the API keeps no more); undefined for the zero Time. */
function readTime(reader: WireReader): string | undefined {
  const time = reader.message({ seconds: 0, present: false }, readTimeField);
  if (!time.present) return undefined;
  return new Date(time.seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function readTimeField(reader: WireReader, field: number, time: { seconds: number; present: boolean }): void {
  if (field === 1) {
    time.seconds = reader.int64();
    time.present = true;
  } else reader.skip();
}

/** Sets a string field the way JSON's `omitempty` does: an empty string is no field. */
export function setString<T, K extends keyof T>(target: T, key: K, value: string & T[K]): void {
  if (value !== '') target[key] = value;
}
