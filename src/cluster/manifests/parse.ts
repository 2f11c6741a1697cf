import { Composer, LineCounter, Parser, type Document } from 'yaml';
import type { Logger } from '../../log.ts';
import { ObjectError, convertObject, type ConvertedObject } from '../convert.ts';
import { isRecord } from '../convert-fields.ts';
import type { ClusterState, EndpointSlice, Namespace, Pod, Service, ServiceImport } from '../types.ts';
import { ManifestError, describeLocation, type ManifestLocation } from './errors.ts';
import type { ManifestFile } from './files.ts';

/** Aliases may only be expanded this often per document, against "billion laughs" files. */
const MAX_ALIAS_COUNT = 1000;

/** One object of the manifests, converted to the store's shape, and where it was written. */
export interface ParsedManifest {
  readonly converted: ConvertedObject;
  readonly location: ManifestLocation;
}

type Found = ParsedManifest;

/**
 * Turns manifest files into one cluster state. Objects of kinds the store does not keep are
 * skipped; a later object with the same kind, namespace and name replaces an earlier one.
 * Throws ManifestError at the first problem, so a state is only ever complete.
 */
export function parseManifests(files: readonly ManifestFile[], logger: Logger): ClusterState {
  const objects = new Map<string, Found>();
  for (const file of files) {
    for (const found of parseFile(file, logger)) {
      const key = objectId(found.converted);
      const earlier = objects.get(key);
      if (earlier) {
        logger.warn(
          { object: key, earlier: describeLocation(earlier.location), later: describeLocation(found.location) },
          'duplicate object in manifests; the later one wins',
        );
        objects.delete(key);
      }
      objects.set(key, found);
    }
  }
  return collectState(objects.values());
}

/**
 * `kind:namespace/name`, or `namespace:name` for namespaces: an object's identity, which a later
 * object with the same one replaces. The store's kinds are each one API group and kind, so this is
 * the API's identity (group, kind, namespace, name).
 */
export function objectId(converted: ConvertedObject): string {
  if (converted.kind === 'namespace') return `namespace:${converted.object.name}`;
  return `${converted.kind}:${converted.object.namespace}/${converted.object.name}`;
}

/** The store's objects among `found`, as one state. */
export function collectState(found: Iterable<Found>): ClusterState {
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  const pods: Pod[] = [];
  const namespaces: Namespace[] = [];
  const serviceImports: ServiceImport[] = [];
  for (const { converted } of found) {
    switch (converted.kind) {
      case 'service':
        services.push(converted.object);
        break;
      case 'endpointslice':
        endpointSlices.push(converted.object);
        break;
      case 'pod':
        pods.push(converted.object);
        break;
      case 'namespace':
        namespaces.push(converted.object);
        break;
      case 'serviceimport':
        serviceImports.push(converted.object);
        break;
    }
  }
  return { services, endpointSlices, pods, namespaces, serviceImports };
}

/**
 * The objects of one file's text (YAML or JSON, any number of documents, Lists expanded) that the
 * store keeps; throws ManifestError naming the document, item and line at the first problem.
 * Documents are composed and converted one at a time: holding every document of a large file at
 * once (as parseAllDocuments does) costs about 100 MB of heap per MB of YAML.
 */
export function parseFile(file: ManifestFile, logger: Logger): Found[] {
  const lineCounter = new LineCounter();
  const lineAt = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const tokens = new Parser(lineCounter.addNewLine).parse(file.text);
  const documents = new Composer({ merge: true, prettyErrors: false }).compose(tokens);
  const found: Found[] = [];
  let index = 0;
  for (const document of documents) {
    const at: ManifestLocation = { file: file.path, document: ++index };
    const [error] = document.errors;
    if (error) throw new ManifestError({ ...at, line: lineAt(error.pos[0]) }, error.message, { cause: error });
    const location = { ...at, line: lineAt(document.contents?.range[0]) };
    const value = toJS(document, location);
    if (value === null || value === undefined) continue;
    if (isList(value)) {
      value.items.forEach((item, i) => {
        const node = document.getIn(['items', i], true) as { range?: [number, number, number] } | undefined;
        const itemAt = { ...at, item: i, line: lineAt(node?.range?.[0]) };
        addObject(withListType(item, value), itemAt, found, logger);
      });
    } else {
      addObject(value, location, found, logger);
    }
  }
  return found;
}

function toJS(document: Document.Parsed, at: ManifestLocation): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new ManifestError(at, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

interface ListObject {
  readonly apiVersion?: unknown;
  readonly kind: string;
  readonly items: readonly unknown[];
}

/** `kind: List` as kubectl writes it, and typed lists (ServiceList...) as the API returns them. */
function isList(value: unknown): value is ListObject {
  return isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
}

/** Items of a typed list may omit apiVersion and kind: they are the list's. */
function withListType(item: unknown, list: ListObject): unknown {
  if (!isRecord(item) || list.kind === 'List' || (item.apiVersion !== undefined && item.kind !== undefined)) return item;
  return { apiVersion: list.apiVersion, kind: list.kind.slice(0, -'List'.length), ...item };
}

/**
 * The objects of one object already parsed (a List is expanded) that the store keeps; throws
 * ManifestError naming `at` when it is no valid Kubernetes object.
 */
export function parseObject(value: unknown, at: ManifestLocation, logger: Logger): ParsedManifest[] {
  const found: Found[] = [];
  addObject(value, at, found, logger);
  return found;
}

function addObject(value: unknown, at: ManifestLocation, found: Found[], logger: Logger): void {
  if (!isRecord(value)) throw new ManifestError(at, 'is not a Kubernetes object (expected a mapping)');
  if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') {
    throw new ManifestError(at, 'is not a Kubernetes object (apiVersion and kind are required)');
  }
  if (isList(value)) {
    value.items.forEach((item) => addObject(withListType(item, value), at, found, logger));
    return;
  }
  let converted;
  try {
    converted = convertObject(value);
  } catch (error) {
    if (error instanceof ObjectError) throw new ManifestError(at, error.message, { cause: error });
    throw error;
  }
  if (converted === null) {
    const metadata = isRecord(value.metadata) ? value.metadata : {};
    logger.debug({ manifest: describeLocation(at), apiVersion: value.apiVersion, kind: value.kind, name: metadata.name }, 'manifest object ignored');
    return;
  }
  found.push({ converted, location: at });
}
