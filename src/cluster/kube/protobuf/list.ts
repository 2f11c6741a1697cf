import { readEnvelope } from './envelope.ts';
import { readListMetaField, type ListMetaJson } from './meta.ts';
import { objectReader, type ObjectJson, type ObjectReader } from './objects.ts';
import { WireReader } from './wire.ts';

/**
 * A list response (ServiceList, PodList, ...): the envelope, then the list's own message. Every
 * list kind has the same two fields (core/v1 and discovery/v1 generated.proto, e.g.
 * `message PodList { optional ListMeta metadata = 1; repeated Pod items = 2; }`).
 */

const LIST_SUFFIX = 'List';

interface ListFields {
  readonly metadata: ListMetaJson;
  readonly readItem: ObjectReader;
  readonly onItem: (item: ObjectJson) => void;
}

/**
 * Decodes a list page, handing each item to `onItem` as soon as it is decoded (in the shape of its
 * JSON: no apiVersion or kind, as in a JSON list); returns the list's metadata.
 */
export function decodeList(body: Buffer, onItem: (item: ObjectJson) => void): ListMetaJson {
  const reader = new WireReader(body);
  const envelope = readEnvelope(reader, reader.whole);
  const itemKind = envelope.kind.endsWith(LIST_SUFFIX) ? envelope.kind.slice(0, -LIST_SUFFIX.length) : '';
  const list: ListFields = { metadata: {}, readItem: objectReader(itemKind, 0), onItem };
  reader.fields(envelope.raw, list, readListField);
  return list.metadata;
}

function readListField(reader: WireReader, field: number, list: ListFields): void {
  if (field === 1) reader.message(list.metadata, readListMetaField);
  else if (field === 2) list.onItem(list.readItem(reader, reader.bytes()));
  else reader.skip();
}
