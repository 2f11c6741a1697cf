import { KubeApiError, KubeProtocolError } from './errors.ts';
import { decodeList } from './protobuf/index.ts';
import { BodyBuffer, getDocument, type ApiDocument, type RequestContext } from './request.ts';
import type { ResourceType } from './resources.ts';

export interface ListResult<T> {
  readonly objects: T[];
  /** Where a watch continues from. */
  readonly resourceVersion: string;
}

/** Called for an object that cannot be converted; the object is skipped. */
export type InvalidObjectHandler = (error: unknown) => void;

// A list whose continue tokens keep expiring is restarted this often before the failure is reported.
const MAX_LIST_RESTARTS = 3;

interface PageEnd {
  readonly resourceVersion: string;
  readonly continueToken: string;
}

/**
 * Reads a page, handing each item to `onItem` as soon as it is read: a protobuf item is converted
 * and dropped before the next is decoded, so the decoded shapes die young.
 */
function readPage({ format, body }: ApiDocument, path: string, onItem: (item: unknown) => void): PageEnd {
  let metadata: { resourceVersion?: unknown; continue?: unknown } | undefined;
  if (format === 'protobuf') {
    try {
      metadata = decodeList(body, onItem);
    } catch (error) {
      throw new KubeProtocolError(path, `list response is malformed protobuf: ${String(error instanceof Error ? error.message : error)}`, { cause: error });
    }
  } else {
    let page: { items?: unknown; metadata?: typeof metadata } | null;
    try {
      page = JSON.parse(body.toString('utf8')) as typeof page;
    } catch (error) {
      throw new KubeProtocolError(path, 'response is not JSON', { cause: error });
    }
    if (!page || !Array.isArray(page.items)) throw new KubeProtocolError(path, 'list response has no items');
    metadata = page.metadata;
    page.items.forEach(onItem);
  }
  const resourceVersion = metadata?.resourceVersion;
  if (typeof resourceVersion !== 'string' || resourceVersion === '') throw new KubeProtocolError(path, 'list response has no metadata.resourceVersion');
  return { resourceVersion, continueToken: typeof metadata?.continue === 'string' ? metadata.continue : '' };
}

/** Lists one attempt, page by page, converting as it goes so no page outlives its conversion. */
async function listOnce<T>(context: RequestContext, type: ResourceType<T>, pageSize: number, onInvalid: InvalidObjectHandler): Promise<ListResult<T>> {
  const objects: T[] = [];
  const onItem = (item: unknown): void => {
    let object: T;
    try {
      object = type.convert(item);
    } catch (error) {
      onInvalid(error);
      return;
    }
    if (type.keep(object)) objects.push(object);
  };
  const body = new BodyBuffer();
  let continueToken = '';
  let resourceVersion = '';
  do {
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (continueToken) query.set('continue', continueToken);
    if (type.labelSelector) query.set('labelSelector', type.labelSelector);
    if (type.fieldSelector) query.set('fieldSelector', type.fieldSelector);
    const page = readPage(await getDocument(context, type.path, query, body), type.path, onItem);
    // Every page of one list carries the first page's resourceVersion; the last one is where to watch from.
    resourceVersion = page.resourceVersion;
    continueToken = page.continueToken;
  } while (continueToken);
  return { objects, resourceVersion };
}

/**
 * Lists every object of a type. A continue token that expires mid-list (410) restarts the list
 * from the beginning: pages from two snapshots must not be mixed.
 */
export async function listAll<T>(context: RequestContext, type: ResourceType<T>, pageSize: number, onInvalid: InvalidObjectHandler): Promise<ListResult<T>> {
  for (let restarts = 0; ; restarts++) {
    try {
      return await listOnce(context, type, pageSize, onInvalid);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.gone) || restarts >= MAX_LIST_RESTARTS) throw error;
    }
  }
}
