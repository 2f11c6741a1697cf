import { type FSWatcher, statSync, unwatchFile, watch, watchFile } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../log.ts';

export interface ManifestWatcherOptions {
  /** The configured files and directories. */
  readonly paths: readonly string[];
  readonly logger: Logger;
  /** Called once per burst of changes. */
  readonly onChange: () => void;
  readonly debounceMs?: number;
  readonly pollIntervalMs?: number;
  /** Poll from the start, for file systems where fs.watch is known not to work. */
  readonly polling?: boolean;
}

const DEFAULT_DEBOUNCE_MS = 100;
const DEFAULT_POLL_INTERVAL_MS = 300;

/**
 * Tells when manifests may have changed. Files are watched through their directory, so an editor
 * that saves by writing a new file and renaming it over the old one (or a ConfigMap mount swapping
 * its `..data` link) is still seen. When fs.watch is unavailable or fails, every path is polled
 * with fs.watchFile instead. Spurious calls are fine: the reader compares contents.
 */
export class ManifestWatcher {
  readonly #paths: readonly string[];
  readonly #logger: Logger;
  readonly #onChange: () => void;
  readonly #debounceMs: number;
  readonly #pollIntervalMs: number;
  readonly #watchers: FSWatcher[] = [];
  readonly #polled = new Set<string>();
  #tracked: readonly string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #mode: 'idle' | 'native' | 'polling' | 'closed' = 'idle';
  readonly #pollListener = (): void => this.#changed();

  constructor(options: ManifestWatcherOptions) {
    this.#paths = options.paths;
    this.#logger = options.logger;
    this.#onChange = options.onChange;
    this.#debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (options.polling) this.#mode = 'polling';
  }

  get mode(): 'idle' | 'native' | 'polling' | 'closed' {
    return this.#mode;
  }

  start(): void {
    if (this.#mode === 'polling') {
      this.#syncPolled();
      return;
    }
    if (this.#mode !== 'idle') return;
    this.#mode = 'native';
    try {
      for (const path of this.#paths) this.#watchNative(path);
    } catch (error) {
      this.#fallBackToPolling(error);
    }
  }

  /** The files and directories the last read found; polling needs them to see edits inside directories. */
  track(paths: readonly string[]): void {
    this.#tracked = paths;
    if (this.#mode === 'polling') this.#syncPolled();
  }

  close(): void {
    this.#mode = 'closed';
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers.length = 0;
    for (const path of this.#polled) unwatchFile(path, this.#pollListener);
    this.#polled.clear();
  }

  #watchNative(path: string): void {
    const options = { persistent: false };
    let watcher: FSWatcher;
    if (statSync(path).isDirectory()) {
      watcher = watch(path, { ...options, recursive: true }, () => this.#changed());
    } else {
      const name = basename(path);
      watcher = watch(dirname(path), options, (_event, changed) => {
        if (changed === null || changed === name || changed.startsWith('..')) this.#changed();
      });
    }
    watcher.on('error', (error) => this.#fallBackToPolling(error));
    this.#watchers.push(watcher);
  }

  #fallBackToPolling(error: unknown): void {
    if (this.#mode !== 'native') return;
    this.#logger.warn({ err: error, paths: this.#paths }, 'cannot watch manifests; polling them instead');
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers.length = 0;
    this.#mode = 'polling';
    this.#syncPolled();
    // Whatever happened while the watcher was failing went unseen.
    this.#changed();
  }

  #syncPolled(): void {
    const wanted = new Set([...this.#paths, ...this.#tracked]);
    for (const path of this.#polled) {
      if (wanted.has(path)) continue;
      unwatchFile(path, this.#pollListener);
      this.#polled.delete(path);
    }
    for (const path of wanted) {
      if (this.#polled.has(path)) continue;
      watchFile(path, { persistent: false, interval: this.#pollIntervalMs }, this.#pollListener);
      this.#polled.add(path);
    }
  }

  #changed(): void {
    if (this.#mode === 'closed') return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onChange();
    }, this.#debounceMs);
    this.#timer.unref();
  }
}
