import type { Logger } from '../../log.ts';

/**
 * Whether the API is reachable, from what every resource loop reports. Logs only transitions: the
 * first failure (failing), and the moment every failing loop has succeeded again (recovered).
 */
export class ApiHealth {
  readonly #logger: Logger;
  readonly #failing = new Set<string>();
  #since = 0;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get failing(): boolean {
    return this.#failing.size > 0;
  }

  failed(resource: string, error: unknown): void {
    if (this.#failing.size === 0) {
      this.#since = Date.now();
      this.#logger.warn({ resource, err: error }, 'kubernetes API failing; answering from the last synced state while retrying');
    }
    this.#failing.add(resource);
  }

  succeeded(resource: string): void {
    if (!this.#failing.delete(resource) || this.#failing.size > 0) return;
    this.#logger.info({ downMs: Date.now() - this.#since }, 'kubernetes API recovered');
  }
}
