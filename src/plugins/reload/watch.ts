import { createHash } from 'node:crypto';
import { loadCorefile } from '../../corefile/parse.ts';
import type { Corefile } from '../../corefile/types.ts';
import type { Logger } from '../../log.ts';
import type { ServerControl } from '../../toolkit/types.ts';
import { reloadFailures, reportVersion } from './metrics.ts';

/**
 * The SHA-512 of a Corefile as parsed (imports expanded, each token with its file and line), as
 * CoreDNS hashes its parsed server blocks: comments and blank lines at the end change nothing.
 */
export function corefileHash(corefile: Corefile): string {
  return createHash('sha512').update(JSON.stringify(corefile.blocks)).digest('hex');
}

/** file:line first, whatever failed: Corefile errors carry it in their message, setup errors in fields. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { file, line } = error as { file?: unknown; line?: unknown };
  const located = typeof file === 'string' && typeof line === 'number' && !error.message.startsWith(`${file}:`);
  return located ? `${file}:${line} - ${error.message}` : error.message;
}

/**
 * Checks the Corefile the running configuration came from every `periodMs`: when its parsed
 * form changed, asks the server to apply it. A failure (parse, setup, listen) is logged with its
 * file:line and counted once per broken content; the running configuration stays.
 */
export class CorefileWatcher {
  private readonly server: ServerControl;
  private readonly periodMs: number;
  private readonly logger: Logger;
  private readonly path: string;
  private hash: string;
  private lastFailure: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly unreport: () => void;

  constructor(server: ServerControl, periodMs: number, logger: Logger) {
    this.server = server;
    this.periodMs = periodMs;
    this.logger = logger;
    this.path = server.corefile.file;
    this.hash = corefileHash(server.corefile);
    this.unreport = reportVersion(this.hash);
    logger.info(`Running configuration SHA512 = ${this.hash}`);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.unreport();
  }

  /** Runs one check now (the timer calls it; tests may too). */
  async check(): Promise<void> {
    let corefile: Corefile;
    try {
      corefile = loadCorefile(this.path);
    } catch (error) {
      this.failed('Corefile changed but could not be read', error);
      return;
    }
    const hash = corefileHash(corefile);
    if (hash === this.hash) {
      this.lastFailure = null;
      return;
    }
    // Not retried while it stays the same, even if it fails: it would fail again.
    this.hash = hash;
    this.lastFailure = null;
    this.logger.info('Reloading');
    try {
      await this.server.reload(corefile);
      this.logger.info('Reloading complete');
    } catch (error) {
      this.failed('Corefile changed but reload failed', error);
    }
  }

  private failed(what: string, error: unknown): void {
    const message = `${what}: ${describeFailure(error)}`;
    if (message === this.lastFailure) return;
    this.lastFailure = message;
    reloadFailures.inc();
    this.logger.error(message);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.periodMs);
    this.timer.unref();
  }
}
