import type { Logger } from '../../log.ts';
import type { ClusterSource, ClusterState, ClusterWriter } from '../types.ts';
import type { ManifestDocuments } from './documents.ts';
import { readManifestFiles, type ManifestFiles } from './files.ts';
import { parseManifests } from './parse.ts';
import { ManifestWatcher } from './watch.ts';

interface CommonOptions {
  readonly logger: Logger;
  /** Reload when the files (or the documents) change; default true. */
  readonly watch?: boolean;
  /** Rewrites each loaded state before the store sees it (the embedded endpoints controller). */
  readonly transform?: (state: ClusterState) => ClusterState;
  /** Poll with fs.watchFile instead of fs.watch. */
  readonly polling?: boolean;
}

export type ManifestSourceOptions = CommonOptions &
  (
    | {
        /** Files and directories of Kubernetes YAML or JSON. */
        readonly paths: readonly string[];
      }
    | {
        /** Manifests held in memory (the programmatic fixture's): each change is served before apply() or delete() returns. */
        readonly documents: ManifestDocuments;
      }
  );

/**
 * Serves a cluster described by manifest files, or by manifests held in memory. The first load
 * must succeed or start() rejects; later a broken edit is logged and the last good state keeps
 * serving until the files are fixed (documents refuse a broken change before it is made).
 */
export class ManifestSource implements ClusterSource {
  readonly name = 'manifests';
  readonly #paths: readonly string[];
  readonly #documents: ManifestDocuments | undefined;
  readonly #logger: Logger;
  readonly #transform: (state: ClusterState) => ClusterState;
  readonly #watch: boolean;
  readonly #polling: boolean;
  #writer: ClusterWriter | undefined;
  #watcher: ManifestWatcher | undefined;
  /** Fingerprint of the contents last loaded or last found broken, so unchanged files are not reparsed. */
  #lastFingerprint = '';
  /** The manifests last loaded, before the transform, for refresh(). */
  #lastParsed: ClusterState | undefined;
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(options: ManifestSourceOptions) {
    if ('paths' in options && options.paths.length === 0) throw new TypeError('ManifestSource needs at least one path');
    this.#paths = 'paths' in options ? options.paths : [];
    this.#documents = 'documents' in options ? options.documents : undefined;
    this.#logger = options.logger;
    this.#transform = options.transform ?? ((state) => state);
    this.#watch = options.watch ?? true;
    this.#polling = options.polling ?? false;
  }

  async start(writer: ClusterWriter): Promise<void> {
    if (this.#documents) return this.#startFromMemory(writer, this.#documents);
    const files = await readManifestFiles(this.#paths);
    const parsed = parseManifests(files.files, this.#logger);
    const state = this.#transform(parsed);
    this.#lastParsed = parsed;
    this.#writer = writer;
    this.#lastFingerprint = files.fingerprint;
    writer.replace(state);
    writer.markSynced();
    this.#logger.info({ paths: this.#paths, files: files.files.length, ...counts(state) }, 'manifests loaded');
    if (!this.#watch || this.#stopped) return;
    this.#watcher = new ManifestWatcher({
      paths: this.#paths,
      logger: this.#logger,
      polling: this.#polling,
      onChange: () => this.#scheduleReload(),
    });
    this.#watcher.track(watchedPaths(files));
    this.#watcher.start();
    // Catches an edit made while the first load ran, before anything watched; unchanged files cost one read.
    this.#scheduleReload();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#reloading;
  }

  /**
   * Runs the transform again over the manifests last loaded, without reading the files: for a
   * transform whose output depends on more than them (probe results). A throwing transform is
   * logged and the store keeps its state.
   */
  async refresh(): Promise<void> {
    this.#retransform();
  }

  /** refresh(), synchronously: documents' changes must be in the store when apply() returns. */
  #retransform(): void {
    const writer = this.#writer;
    const parsed = this.#lastParsed;
    if (!writer || !parsed || this.#stopped) return;
    let state: ClusterState;
    try {
      state = this.#transform(parsed);
    } catch (error) {
      this.#logger.error({ err: error }, `manifests refresh failed, still serving the last state: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    writer.replace(state);
  }

  /** Documents are parsed already: each change is transformed and in the store before the change returns. */
  #startFromMemory(writer: ClusterWriter, documents: ManifestDocuments): void {
    const parsed = documents.state;
    const state = this.#transform(parsed);
    this.#lastParsed = parsed;
    this.#writer = writer;
    writer.replace(state);
    writer.markSynced();
    this.#logger.debug(counts(state), 'manifests loaded from memory');
    if (!this.#watch || this.#stopped) return;
    this.#unsubscribe = documents.subscribe(() => {
      this.#lastParsed = documents.state;
      this.#retransform();
    });
  }

  /** One reload at a time; changes that arrive during one cause exactly one more. */
  #scheduleReload(): void {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return;
    }
    this.#reloading = (async () => {
      do {
        this.#reloadAgain = false;
        await this.#reload();
      } while (this.#reloadAgain && !this.#stopped);
      this.#reloading = undefined;
    })();
  }

  async #reload(): Promise<void> {
    const writer = this.#writer;
    if (!writer || this.#stopped) return;
    let files: ManifestFiles;
    try {
      files = await readManifestFiles(this.#paths);
    } catch (error) {
      this.#reloadFailed(error);
      return;
    }
    this.#watcher?.track(watchedPaths(files));
    if (files.fingerprint === this.#lastFingerprint) return;
    this.#lastFingerprint = files.fingerprint;
    let parsed: ClusterState;
    let state: ClusterState;
    try {
      parsed = parseManifests(files.files, this.#logger);
      state = this.#transform(parsed);
    } catch (error) {
      this.#reloadFailed(error);
      return;
    }
    if (this.#stopped) return;
    this.#lastParsed = parsed;
    writer.replace(state);
    this.#logger.info({ files: files.files.length, ...counts(state) }, 'manifests reloaded');
  }

  #reloadFailed(error: unknown): void {
    const problem = error instanceof Error ? error.message : String(error);
    this.#logger.error({ err: error }, `manifests reload failed, still serving the last good state: ${problem}`);
  }
}

function watchedPaths(files: ManifestFiles): string[] {
  return [...files.directories, ...files.files.map((file) => file.path)];
}

function counts(state: ClusterState): Record<string, number> {
  return {
    services: state.services.length,
    endpointSlices: state.endpointSlices.length,
    pods: state.pods.length,
    namespaces: state.namespaces.length,
  };
}
