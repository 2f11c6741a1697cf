import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { FlagError, formatUsage, HelpRequested, parseFlags, type FlagSpec } from '../command-line/flags.ts';
import type { CommandIo } from '../command-line/io.ts';
import { loadCorefile, parseCorefile } from '../corefile/parse.ts';
import { CorefileError, type Corefile } from '../corefile/types.ts';
import { defaultWorkerCount } from '../launch/cpus.ts';
import { createLogger, type Logger } from '../log.ts';
import { pluginLoaders } from '../plugins/index.ts';
import { flushStdout, stdoutLine } from '../toolkit/console.ts';
import { DEFAULT_DNS_PORT } from './config.ts';
import { startServer, type RunningServer } from './index.ts';
import { serveAsSuccessor, startSuccessor, type Successor } from './handover.ts';
import { Exchange } from './threads/exchange.ts';
import type { RelayedResponse } from './threads/protocol.ts';
import { WorkerPool } from './threads/pool.ts';
import { validateCorefile } from './validate.ts';
import { servedLines, versionLines } from './version.ts';

/** The environment variable a Deployment sets instead of `-workers`. */
export const WORKERS_ENV = 'CLUSTERDNS_WORKERS';
/** A bound well above any node's CPUs, so a typo does not start thousands of threads. */
const MAX_WORKERS = 256;

/** CoreDNS's flags, with its words. `-p` is its short form of `-dns.port`. */
export const SERVER_FLAGS: readonly FlagSpec[] = [
  { name: 'conf', kind: 'string', usage: 'Corefile to load', defaultText: 'Corefile' },
  { name: 'dns.port', kind: 'string', usage: 'Default port', defaultText: String(DEFAULT_DNS_PORT) },
  { name: 'p', kind: 'string', usage: 'Default port', defaultText: String(DEFAULT_DNS_PORT) },
  { name: 'pidfile', kind: 'string', usage: 'Path to write pid file' },
  { name: 'plugins', kind: 'bool', usage: 'List installed plugins' },
  { name: 'quiet', kind: 'bool', usage: 'Quiet mode (no initialization output)' },
  { name: 'validate', kind: 'bool', usage: 'Check the Corefile and the files it names, then exit: no port, no API (status 1 on any error)' },
  { name: 'version', kind: 'bool', usage: 'Show version' },
  {
    name: 'workers',
    kind: 'string',
    usage: `Threads answering queries (env ${WORKERS_ENV}); default: the CPUs the process may use`,
  },
];

const DEFAULT_COREFILE = 'Corefile';

interface ServerCommand {
  readonly conf: string;
  readonly port: number;
  /** Threads answering queries, the main thread included. */
  readonly workers: number;
  readonly pidfile: string;
  readonly quiet: boolean;
  readonly action: 'serve' | 'version' | 'plugins' | 'validate';
}

function readServerCommand(argv: readonly string[]): ServerCommand {
  const { values, rest } = parseFlags(SERVER_FLAGS, argv);
  if (rest.length > 0) throw new StartupError(`extra command line arguments: [${rest.join(' ')}]`);
  const portText = (values.get('dns.port') ?? values.get('p') ?? String(DEFAULT_DNS_PORT)) as string;
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new FlagError(`invalid value "${portText}" for flag -dns.port: a port is a number from 1 to 65535`);
  }
  return {
    conf: (values.get('conf') ?? '') as string,
    port,
    workers: readWorkers((values.get('workers') as string | undefined) ?? process.env[WORKERS_ENV]),
    pidfile: (values.get('pidfile') ?? '') as string,
    quiet: values.get('quiet') === true,
    action: actionOf(values),
  };
}

function actionOf(values: ReadonlyMap<string, string | boolean>): ServerCommand['action'] {
  if (values.get('version') === true) return 'version';
  if (values.get('plugins') === true) return 'plugins';
  return values.get('validate') === true ? 'validate' : 'serve';
}

/** `-workers N` or CLUSTERDNS_WORKERS=N: a whole number from 1; absent or empty, the default. */
function readWorkers(text: string | undefined): number {
  if (text === undefined || text === '') return defaultWorkerCount();
  const workers = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(workers >= 1 && workers <= MAX_WORKERS)) {
    throw new FlagError(`invalid value "${text}" for flag -workers (or ${WORKERS_ENV}): a number of threads from 1 to ${MAX_WORKERS}`);
  }
  return workers;
}

/** A failure before serving: printed on stderr, exit status 1. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * Which Corefile to serve, as CoreDNS picks it: `-conf FILE` (must exist), `-conf stdin`, else
 * ./Corefile when present, else the built-in `.:<port> { whoami log }`.
 */
function readCorefile(conf: string, port: number): Corefile {
  if (conf === 'stdin') return parseCorefile(readFileSync(0, 'utf8'), 'stdin');
  if (conf !== '') return loadCorefile(conf);
  if (existsSync(DEFAULT_COREFILE)) return loadCorefile(DEFAULT_COREFILE);
  return parseCorefile(`.:${port} {\nwhoami\nlog\n}\n`, DEFAULT_COREFILE);
}

/** Resolves with the signal that asks the server to stop; a second SIGINT quits at once (exit 2). */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => {
      stdoutLine('[INFO] SIGTERM: Shutting down servers then terminating');
      resolve('SIGTERM');
    });
    process.once('SIGINT', () => {
      stdoutLine('[INFO] SIGINT: Shutting down');
      process.once('SIGINT', () => {
        stdoutLine('[INFO] SIGINT: Force quit');
        flushStdout();
        process.exit(2);
      });
      resolve('SIGINT');
    });
    // CoreDNS ignores SIGHUP: it is often sent outside the operator's control.
    process.on('SIGHUP', () => {});
  });
}

/**
 * SIGUSR1 re-reads the Corefile and applies it, as CoreDNS does (with or without the reload
 * plugin); a Corefile that fails keeps the running configuration. Returns the uninstaller.
 */
function reloadOnSignal(server: RunningServer, command: ServerCommand, logger: Logger): () => void {
  const onSignal = (): void => {
    if (command.conf === 'stdin') {
      logger.warn('SIGUSR1: the Corefile was read from stdin and cannot be read again');
      return;
    }
    stdoutLine('[INFO] SIGUSR1: Reloading');
    Promise.resolve()
      .then(() => server.reload(readCorefile(command.conf, command.port)))
      .then(
        () => stdoutLine('[INFO] Reloading complete'),
        (error: unknown) => logger.error({ err: error }, `SIGUSR1: reload failed, keeping the running configuration: ${(error as Error).message}`),
      );
  };
  process.on('SIGUSR1', onSignal);
  return () => void process.off('SIGUSR1', onSignal);
}

async function serve(command: ServerCommand): Promise<number> {
  const logger = createLogger({ quiet: command.quiet });
  const corefile = readCorefile(command.conf, command.port);
  const exchange = command.workers > 1 ? new Exchange('main', command.workers) : undefined;
  const pool =
    exchange === undefined
      ? undefined
      : new WorkerPool({ threads: command.workers, exchange, corefile, dnsPort: command.port, quiet: command.quiet, logger });
  let server: RunningServer;
  try {
    server = await startServer(corefile, {
      dnsPort: command.port,
      logger,
      exchange,
      // A successor (SIGUSR2, a rolling update on the node) binds beside this process.
      reusePort: true,
      readiness: pool === undefined ? [] : [pool.readiness],
      afterReload: (next) => pool?.reload(next) ?? Promise.resolve(),
      // The workers answer through the main thread's lameduck, and stop before it closes.
      beforeClose: () => pool?.stop() ?? Promise.resolve(),
    });
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
  // The main thread answers from here on: a signal while the workers start is a stop request too.
  const stopped = stopSignal();
  if (pool !== undefined) {
    try {
      await pool.start();
    } catch (error) {
      await server.stop();
      throw new StartupError((error as Error).message);
    }
  }
  if (command.pidfile !== '') writeFileSync(command.pidfile, `${process.pid}\n`);
  serveAsSuccessor(server);
  const stopReloading = reloadOnSignal(server, command, logger);
  const handOver = handOverOnSignal(server, pool, command, logger);
  // The banner says the server is up: a SIGUSR1 sent on reading it must find the handler (without
  // one, Node opens its inspector instead).
  if (!command.quiet) for (const line of [...servedLines(server.served), ...versionLines()]) stdoutLine(line);
  const reason = await Promise.race([stopped, handOver.done]);
  stopReloading();
  handOver.uninstall();
  if (typeof reason === 'object') {
    // The successor answers already: no lameduck, and the pidfile is its own now.
    await server.stop({ lameduck: false });
    reason.release();
    stdoutLine(`[INFO] Handed over to PID ${reason.pid}`);
  } else {
    await server.stop();
    if (command.pidfile !== '') rmSync(command.pidfile, { force: true });
  }
  flushStdout();
  return 0;
}

/**
 * SIGUSR2 starts a successor of this same command; once it serves, every thread of this one hands
 * its UDP addresses over to it (RunningServer.handOver) and `done` resolves with it. A successor
 * that fails to start is logged and this process serves on.
 */
function handOverOnSignal(
  server: RunningServer,
  pool: WorkerPool | undefined,
  command: ServerCommand,
  logger: Logger,
): { done: Promise<Successor>; uninstall: () => void } {
  let handing = false;
  let handedOver: (successor: Successor) => void = () => {};
  const done = new Promise<Successor>((resolve) => (handedOver = resolve));
  const onSignal = (): void => {
    if (handing) return;
    if (command.conf === 'stdin') {
      logger.warn('SIGUSR2: the Corefile was read from stdin: a successor could not read it again');
      return;
    }
    handing = true;
    stdoutLine('[INFO] SIGUSR2: starting a successor');
    startSuccessor(logger).then(
      async (successor) => {
        const relay = (relayed: RelayedResponse): void => successor.relay(relayed);
        await Promise.all([
          server.handOver((listener) => (response, clientPort, address) => relay({ listener, response: new Uint8Array(response), port: clientPort, address })),
          pool?.handOver(relay),
        ]);
        handedOver(successor);
      },
      (error: unknown) => {
        handing = false;
        logger.error({ err: error }, `SIGUSR2: ${(error as Error).message}; serving on`);
      },
    );
  };
  process.on('SIGUSR2', onSignal);
  return { done, uninstall: () => void process.off('SIGUSR2', onSignal) };
}

/**
 * `-validate`: every problem of the Corefile on stderr, one a line with its file and line, and
 * status 1; a one-line summary on stdout and status 0 when there is none.
 */
async function validate(command: ServerCommand, io: CommandIo): Promise<number> {
  let corefile: Corefile;
  try {
    corefile = readCorefile(command.conf, command.port);
  } catch (error) {
    if (!(error instanceof CorefileError)) throw error;
    io.err(`${error.message}\n`);
    return 1;
  }
  const report = await validateCorefile(corefile, { logger: createLogger({ quiet: true }) });
  for (const problem of report.problems) io.err(`${problem.message}\n`);
  if (report.problems.length > 0) return 1;
  io.out(`${corefile.file}: valid (${report.blocks} server blocks, ${report.directives} directives)\n`);
  return 0;
}

/** The server command line: CoreDNS's flags; returns the exit status. */
export async function runServerCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const usage = formatUsage('clusterdns', SERVER_FLAGS);
  try {
    const command = readServerCommand(argv);
    if (command.action === 'version') {
      io.out(`${versionLines().join('\n')}\n`);
      return 0;
    }
    if (command.action === 'plugins') {
      // CoreDNS prints the plugin names sorted, one a line, then an empty line.
      io.out(`${[...pluginLoaders.keys()].sort().join('\n')}\n\n`);
      return 0;
    }
    if (command.action === 'validate') return await validate(command, io);
    return await serve(command);
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.err(usage);
      return 0;
    }
    if (error instanceof FlagError) {
      io.err(`${error.message}\n${usage}`);
      return 2;
    }
    if (error instanceof StartupError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
