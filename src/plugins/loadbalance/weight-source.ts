import { open } from 'node:fs/promises';
import type { Logger } from '../../log.ts';
import { EMPTY_WEIGHTS, parseWeightFile, WeightFileError, type WeightTable } from './weightfile.ts';

/** The weight file could not be opened (CoreDNS's errOpen): at startup, tolerated while a reload may find it later. */
export class WeightFileOpenError extends WeightFileError {
  constructor(path: string, cause: unknown) {
    super(path, 0, `weight file open error: ${(cause as Error).message}`, { cause });
    this.name = 'WeightFileOpenError';
  }
}

/**
 * The weights of one `loadbalance weighted` instance. The file is read whole each time and parsed
 * only when its content differs from the last read, as CoreDNS compares checksums; a file that
 * fails to parse is reported once and the weights read before it stay in use.
 */
export class WeightSource {
  readonly path: string;
  table: WeightTable = EMPTY_WEIGHTS;
  /** Bumped on each new table, so weights computed from the old one are recomputed. */
  generation = 0;
  private readonly logger: Logger;
  private lastContent: Buffer | null = null;
  private reading = false;

  constructor(path: string, logger: Logger) {
    this.path = path;
    this.logger = logger;
  }

  /**
   * The startup read, as CoreDNS's: a file that cannot be opened is a warning when a later reload
   * may find it (`reloadMs` > 0) and an error otherwise; one that does not parse is an error.
   */
  async load(reloadMs: number): Promise<void> {
    try {
      await this.read();
    } catch (error) {
      if (!(error instanceof WeightFileOpenError) || reloadMs === 0) throw error;
      this.logger.warn({ path: this.path }, `${error.message}; will try again in ${reloadMs / 1000}s`);
    }
  }

  /**
   * Checks the file every `reloadMs` (not when 0) without keeping the process alive; returns what
   * stops it.
   */
  watch(reloadMs: number): () => void {
    if (reloadMs === 0) return () => {};
    const timer = setInterval(() => void this.reload(), reloadMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** One reload: errors are logged and the weights in use kept. A reload still reading is not doubled. */
  async reload(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      await this.read();
    } catch (error) {
      this.logger.error({ path: this.path, err: error }, `${(error as Error).message}; keeping the weights read before`);
    } finally {
      this.reading = false;
    }
  }

  private async read(): Promise<void> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      throw new WeightFileOpenError(this.path, error);
    }
    let content: Buffer;
    try {
      content = await handle.readFile();
    } catch (error) {
      throw new WeightFileError(this.path, 0, `weight file read error: ${(error as Error).message}`, { cause: error });
    } finally {
      await handle.close();
    }
    if (this.lastContent?.equals(content)) return;
    // Remembered before parsing: a broken file is reported once, not at every check.
    this.lastContent = content;
    this.table = parseWeightFile(content.toString('utf8'), this.path);
    this.generation++;
    this.logger.info({ path: this.path }, `Successfully reloaded weight file ${this.path}`);
  }
}
