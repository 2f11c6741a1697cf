import { setTimeout as sleep } from 'node:timers/promises';
import { FlagError, formatUsage, HelpRequested, parseFlags, type FlagSpec } from '../command-line/flags.ts';
import type { CommandIo } from '../command-line/io.ts';
import type { TopDocument } from './document.ts';
import { fetchTop, parseTopServer, TopFetchError, type TopServer } from './fetch.ts';
import { renderTable, type PreviousPoll } from './table.ts';

const DEFAULT_SERVER = '127.0.0.1:9153';
const DEFAULT_INTERVAL_SECONDS = 2;
const DEFAULT_LIMIT = 10;
/** Moves the cursor home and clears the screen, as `clear` does. */
const CLEAR_SCREEN = '\x1b[H\x1b[2J';

const TOP_FLAGS: readonly FlagSpec[] = [
  { name: 'server', kind: 'string', usage: "The address of clusterdns's metrics (prometheus), HOST:PORT", defaultText: DEFAULT_SERVER },
  { name: 'interval', kind: 'string', usage: 'Seconds between refreshes', defaultText: String(DEFAULT_INTERVAL_SECONDS) },
  { name: 'limit', kind: 'string', usage: 'Clients shown per table', defaultText: String(DEFAULT_LIMIT) },
  { name: 'once', kind: 'bool', usage: 'Print the tables once, without clearing the screen, and exit' },
];

export interface TopCommandOptions {
  readonly server: TopServer;
  readonly intervalMs: number;
  readonly limit: number;
  readonly once: boolean;
}

function readOptions(argv: readonly string[]): TopCommandOptions {
  const { values, rest } = parseFlags(TOP_FLAGS, argv);
  if (rest.length > 0) throw new FlagError(`unexpected argument "${rest[0]}"`);
  const text = (name: string): string | undefined => {
    const value = values.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const serverText = text('server') ?? DEFAULT_SERVER;
  const server = parseTopServer(serverText);
  if (server === null) throw new FlagError(`invalid value "${serverText}" for flag -server: want HOST:PORT`);
  const intervalText = text('interval') ?? String(DEFAULT_INTERVAL_SECONDS);
  const interval = Number(intervalText);
  if (!/^\d+(\.\d+)?$/.test(intervalText) || interval < 0.1 || interval > 3600) {
    throw new FlagError(`invalid value "${intervalText}" for flag -interval: want seconds from 0.1 to 3600`);
  }
  const limitText = text('limit') ?? String(DEFAULT_LIMIT);
  if (!/^\d+$/.test(limitText) || Number(limitText) < 1) throw new FlagError(`invalid value "${limitText}" for flag -limit: want a whole number from 1`);
  return { server, intervalMs: interval * 1000, limit: Number(limitText), once: values.get('once') === true };
}

/** What watching needs from outside, so a test can drive it. */
export interface WatchDependencies {
  readonly fetch: (server: TopServer) => Promise<TopDocument>;
  readonly wait: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Ends the refreshing; nothing ends it but the process's end otherwise. */
  readonly signal?: AbortSignal;
}

const LIVE: WatchDependencies = { fetch: fetchTop, wait: (ms) => sleep(ms), now: Date.now };

/**
 * Polls /top and redraws the tables every interval. A failed poll is shown in place of the
 * tables and polling goes on, so a server restarting comes back on the screen by itself.
 */
export async function watchTop(options: TopCommandOptions, io: CommandIo, dependencies: WatchDependencies = LIVE): Promise<number> {
  const { fetch, wait, now, signal } = dependencies;
  const server = options.server.url;
  let previous: PreviousPoll | null = null;
  while (signal?.aborted !== true) {
    try {
      const document = await fetch(options.server);
      const at = now();
      io.out(CLEAR_SCREEN + renderTable(document, { server, limit: options.limit, at, previous }));
      previous = { document, at };
    } catch (error) {
      if (!(error instanceof TopFetchError)) throw error;
      io.out(`${CLEAR_SCREEN}clusterdns top: ${error.message}; trying again every ${options.intervalMs / 1000} s\n`);
    }
    await wait(options.intervalMs);
  }
  return 0;
}

/**
 * `clusterdns top [--server HOST:PORT] [--interval SECONDS] [--limit N] [--once]`: the clients
 * asking the server most, getting most NXDOMAINs and sending most search-path expansions, read
 * from the `top` plugin's /top beside /metrics. Exit 0; 1 when `--once` cannot read it; 2 on a
 * bad command line.
 */
export async function runTopCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const usage = formatUsage('clusterdns top', TOP_FLAGS);
  let options: TopCommandOptions;
  try {
    options = readOptions(argv);
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.err(usage);
      return 0;
    }
    if (error instanceof FlagError) {
      io.err(`${error.message}\n${usage}`);
      return 2;
    }
    throw error;
  }
  if (!options.once) return watchTop(options, io);
  try {
    const document = await fetchTop(options.server);
    io.out(renderTable(document, { server: options.server.url, limit: options.limit, at: Date.now(), previous: null }));
    return 0;
  } catch (error) {
    if (!(error instanceof TopFetchError)) throw error;
    io.err(`clusterdns top: ${error.message}\n`);
    return 1;
  }
}
