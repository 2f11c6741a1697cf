import { KubeApiError, KubeProtocolError } from './errors.ts';
import { decodeList } from './protobuf/index.ts';
import { getDocument, type ApiDocument, type RequestContext } from './request.ts';
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

interface ListPage {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continueToken: string;
}

function readPage({ format, body }: ApiDocument, path: string): ListPage {
  let page: { items?: unknown; metadata?: { resourceVersion?: unknown; continue?: unknown } } | null;
  try {
    page = format === 'protobuf' ? decodeList(body) : (JSON.parse(body.toString('utf8')) as typeof page);
  } catch (error) {
    throw new KubeProtocolError(path, format === 'protobuf' ? `list response is malformed protobuf: ${String(error instanceof Error ? error.message : error)}` : 'response is not JSON', { cause: error });
  }
  const resourceVersion = page?.metadata?.resourceVersion;
  if (!page || !Array.isArray(page.items) || typeof resourceVersion !== 'string' || resourceVersion === '') {
    throw new KubeProtocolError(path, 'list response has no items or no metadata.resourceVersion');
  }
  const continueToken = typeof page.metadata?.continue === 'string' ? page.metadata.continue : '';
  return { items: page.items, resourceVersion, continueToken };
}

/** Lists one attempt, page by page, converting as it goes so no page outlives its conversion. */
async function listOnce<T>(context: RequestContext, type: ResourceType<T>, pageSize: number, onInvalid: InvalidObjectHandler): Promise<ListResult<T>> {
  const objects: T[] = [];
  let continueToken = '';
  let resourceVersion = '';
  do {
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (continueToken) query.set('continue', continueToken);
    if (type.labelSelector) query.set('labelSelector', type.labelSelector);
    if (type.fieldSelector) query.set('fieldSelector', type.fieldSelector);
    const page = readPage(await getDocument(context, type.path, query), type.path);
    for (const item of page.items) {
      let object: T;
      try {
        object = type.convert(item);
      } catch (error) {
        onInvalid(error);
        continue;
      }
      if (type.keep(object)) objects.push(object);
    }
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
