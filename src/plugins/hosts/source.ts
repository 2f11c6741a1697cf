import { open } from 'node:fs/promises';
import type { Logger } from '../../log.ts';
import type { DomainName } from '../../dns/types.ts';
import { gauge } from '../../metrics/registry.ts';
import { EMPTY_HOSTS, entryCount, parseHosts, type HostsMap } from './hostsfile.ts';

/** Inline plus file entries, per file path, as CoreDNS counts them. */
export const hostsEntries = gauge({
  name: 'coredns_hosts_entries',
  help: 'The combined number of entries in hosts and Corefile.',
  labelNames: ['hostsfile'],
});

/** The mtime of the hosts file last read. */
export const hostsReloadTime = gauge({
  name: 'coredns_hosts_reload_timestamp_seconds',
  help: 'The timestamp of the last reload of hosts file.',
  labelNames: [],
});

export interface HostsSourceOptions {
  readonly path: string;
  readonly inline: readonly string[];
  readonly origins: readonly DomainName[];
  readonly autoReverse: boolean;
  readonly logger: Logger;
}

/**
 * The hosts data of one plugin instance: the Corefile's inline lines, parsed once, and the file,
 * read again whenever its mtime or size changed. An unreadable or deleted file keeps the last
 * data read from it, as CoreDNS does.
 */
export class HostsSource {
  readonly path: string;
  readonly inline: HostsMap;
  file: HostsMap = EMPTY_HOSTS;
  /** Bumped on every swap of `file`, so answers built from the old data can be dropped. */
  generation = 0;
  private readonly origins: readonly DomainName[];
  private readonly autoReverse: boolean;
  private readonly logger: Logger;
  private mtimeNs = -1n;
  private size = -1n;
  private reading: Promise<void> | null = null;

  constructor(options: HostsSourceOptions) {
    this.path = options.path;
    this.origins = options.origins;
    this.autoReverse = options.autoReverse;
    this.logger = options.logger;
    this.inline = options.inline.length === 0 ? EMPTY_HOSTS : parseHosts(options.inline.join('\n'), this.origins, this.autoReverse);
  }

  /** Reads the file if it changed; concurrent calls share one read. */
  read(): Promise<void> {
    this.reading ??= this.readIfChanged().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async readIfChanged(): Promise<void> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch {
      // A missing file was reported when the plugin was set up; keep serving what we have.
      return;
    }
    try {
      const stat = await handle.stat({ bigint: true });
      if (stat.mtimeNs === this.mtimeNs && stat.size === this.size) return;
      const text = await handle.readFile({ encoding: 'utf8' });
      this.file = parseHosts(text, this.origins, this.autoReverse);
      this.mtimeNs = stat.mtimeNs;
      this.size = stat.size;
      this.generation++;
      const entries = entryCount(this.inline) + entryCount(this.file);
      hostsEntries.cell(this.path).set(entries);
      hostsReloadTime.cell().set(Number(stat.mtimeNs) / 1e9);
      this.logger.debug({ path: this.path, entries }, 'parsed hosts file');
    } catch (error) {
      this.logger.warn({ path: this.path, err: error }, 'reading hosts file failed');
    } finally {
      await handle.close();
    }
  }
}
