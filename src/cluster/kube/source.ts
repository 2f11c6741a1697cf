import type { Logger } from '../../log.ts';
import type { ClusterSource, ClusterWriter } from '../types.ts';
import { DEFAULT_BACKOFF } from './backoff.ts';
import { resolveConnection, type KubeConnection } from './connection.ts';
import { ApiHealth } from './health.ts';
import type { KubeApiOptions } from './options.ts';
import { Reflector } from './reflector.ts';
import { apiRetention, endpointSliceType, namespaceType, podType, serviceImportType, serviceType, type ResourceType } from './resources.ts';

const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_PAGE_SIZE = 500;

/**
 * The cluster as the Kubernetes API reports it: one list+watch loop per resource type (Services
 * and EndpointSlices always, Pods and Namespaces when asked), each feeding the store. The
 * connection is resolved at construction, so a missing token or kubeconfig fails setup with a
 * KubeConfigError instead of being retried forever.
 */
export class KubeApiSource implements ClusterSource {
  readonly name = 'kubernetes';
  /** Resolves once every watched type has been listed into the store (never rejects). */
  readonly onSynced: Promise<void>;
  readonly connection: KubeConnection;
  readonly #options: KubeApiOptions;
  readonly #logger: Logger;
  readonly #reflectors: Reflector<unknown>[] = [];
  readonly #runs: Promise<void>[] = [];
  #resolveSynced: () => void = () => undefined;
  #abort: AbortController | undefined;
  #synced = false;

  constructor(options: KubeApiOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.connection = resolveConnection(options.connection);
    this.onSynced = new Promise((resolve) => {
      this.#resolveSynced = resolve;
    });
  }

  /** True once every watched type has been listed into the store. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The loops, for diagnostics and tests: resource name, resourceVersion, lists done. */
  get reflectors(): readonly Reflector<unknown>[] {
    return this.#reflectors;
  }

  /** Starts the loops and returns; sync completes in the background (see onSynced). */
  async start(writer: ClusterWriter): Promise<void> {
    if (this.#abort) throw new Error('KubeApiSource already started');
    const abort = new AbortController();
    this.#abort = abort;
    const options = this.#options;
    const retention = apiRetention(options);
    const types: ResourceType<unknown>[] = [serviceType(options, retention)];
    if (options.watchEndpointSlices ?? true) types.push(endpointSliceType(options, retention));
    if (options.watchPods) types.push(podType(options, retention));
    if (options.watchNamespaces) types.push(namespaceType(options, retention));
    if (options.watchServiceImports) types.push(serviceImportType(options, retention));

    const health = new ApiHealth(this.#logger);
    const context = { connection: this.connection, signal: abort.signal, idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS };
    const started = Date.now();
    const counts: Record<string, number> = {};
    let pending = types.length;
    this.#logger.info({ api: this.connection.description, server: this.connection.server.origin }, 'connecting to the kubernetes API');
    for (const type of types) {
      const reflector = new Reflector({
        type,
        context,
        writer,
        health,
        logger: this.#logger,
        backoff: options.backoff ?? DEFAULT_BACKOFF,
        pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
        onFirstList: (count) => {
          counts[type.resource] = count;
          if (--pending > 0) return;
          writer.markSynced();
          this.#synced = true;
          this.#logger.info({ ...counts, ms: Date.now() - started }, 'kubernetes API synced');
          this.#resolveSynced();
        },
      });
      this.#reflectors.push(reflector);
      this.#runs.push(reflector.run());
    }
  }

  /** Stops every loop and waits for them to end. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await Promise.all(this.#runs);
    this.connection.close();
  }
}
