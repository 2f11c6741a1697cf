import type { Logger } from '../../log.ts';
import { isRecord } from '../convert-fields.ts';
import type { ClusterState } from '../types.ts';
import { collectState, objectId, parseFile, parseObject, type ParsedManifest } from './parse.ts';

/**
 * A manifest given in memory: a Kubernetes object (a List too), or YAML or JSON text of any number
 * of documents. `object`, so that interfaces of Kubernetes clients' object types fit.
 */
export type ManifestInput = string | object;

/**
 * Manifests held in memory instead of files, changed by apply and delete as `kubectl apply` and
 * `kubectl delete` change a cluster: the programmatic fixture's cluster. Every input goes through
 * the parser manifest files go through; a bad one throws ManifestError and changes nothing.
 * Objects of kinds the store does not keep (a Deployment, a ConfigMap) are checked and then
 * ignored, as in files.
 */
export class ManifestDocuments {
  readonly #logger: Logger;
  /** By objectId, in the order first applied. */
  readonly #objects = new Map<string, ParsedManifest>();
  readonly #listeners = new Set<() => void>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Creates or replaces each object by its identity (API group, kind, namespace, name), then tells the subscribers. */
  apply(inputs: ManifestInput | readonly ManifestInput[]): void {
    const parsed = this.#parse(inputs);
    for (const manifest of parsed) this.#objects.set(objectId(manifest.converted), manifest);
    this.#changed();
  }

  /**
   * Removes each object by its identity; the rest of each object is checked but not compared.
   * An object not held is no error, as `kubectl delete --ignore-not-found`: a test's cleanup may
   * delete what a failed step never applied.
   */
  delete(inputs: ManifestInput | readonly ManifestInput[]): void {
    const parsed = this.#parse(inputs);
    for (const manifest of parsed) this.#objects.delete(objectId(manifest.converted));
    this.#changed();
  }

  /** Everything held, as the manifest source hands a state to its transform. */
  get state(): ClusterState {
    return collectState(this.#objects.values());
  }

  /** Calls `listener` synchronously after each apply and delete; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every input parsed before any is kept, so one bad object changes nothing. */
  #parse(inputs: ManifestInput | readonly ManifestInput[]): ParsedManifest[] {
    const list: readonly ManifestInput[] = Array.isArray(inputs) ? inputs : [inputs as ManifestInput];
    return list.flatMap((input, index) =>
      typeof input === 'string'
        ? parseFile({ path: `manifests[${index}]`, text: input }, this.#logger)
        : parseObject(input, { file: `manifests[${index}]${describeObject(input)}` }, this.#logger),
    );
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** ` (Service shop/web)`, as far as the object tells, so an error names the object at fault. */
function describeObject(input: object): string {
  if (!isRecord(input)) return '';
  const kind = typeof input.kind === 'string' ? input.kind : 'object';
  const metadata = isRecord(input.metadata) ? input.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const namespace = typeof metadata.namespace === 'string' ? `${metadata.namespace}/` : '';
  return name === '' ? ` (${kind})` : ` (${kind} ${namespace}${name})`;
}
