import { readEnvelope } from './envelope.ts';
import { readListMetaField, type ListMetaJson } from './meta.ts';
import { objectReader, type ObjectJson, type ObjectReader } from './objects.ts';
import { WireReader } from './wire.ts';

/**
 * A list response (ServiceList, PodList, ...): the envelope, then the list's own message. Every
 * list kind has the same two fields (core/v1 and discovery/v1 generated.proto, e.g.
 * `message PodList { optional ListMeta metadata = 1; repeated Pod items = 2; }`).
 */

export interface ListJson {
  metadata: ListMetaJson;
  items: ObjectJson[];
}

const LIST_SUFFIX = 'List';

interface ListFields extends ListJson {
  readonly readItem: ObjectReader;
}

/** Decodes a list page; items have the shape of their JSON (no apiVersion or kind, as in a JSON list). */
export function decodeList(body: Buffer): ListJson {
  const reader = new WireReader(body);
  const envelope = readEnvelope(reader, reader.whole);
  const itemKind = envelope.kind.endsWith(LIST_SUFFIX) ? envelope.kind.slice(0, -LIST_SUFFIX.length) : '';
  const list: ListFields = { metadata: {}, items: [], readItem: objectReader(itemKind, 0) };
  reader.fields(envelope.raw, list, readListField);
  return { metadata: list.metadata, items: list.items };
}

function readListField(reader: WireReader, field: number, list: ListFields): void {
  if (field === 1) reader.message(list.metadata, readListMetaField);
  else if (field === 2) list.items.push(list.readItem(reader, reader.bytes()));
  else reader.skip();
}
