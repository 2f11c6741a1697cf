import type { CommandIo } from './command-line/io.ts';
import { runResolveCommand, runResolvConfCommand } from './resolver/cli.ts';
import { runServerCommand } from './server/run.ts';
import { runTopCommand } from './top-cli/cli.ts';

/**
 * clusterdns's command line. Without a subcommand it is CoreDNS's (`-conf`, `-dns.port`, ...);
 * subcommands are looked up by the first argument, so a name that is not a flag never reaches
 * the server's flag parser.
 */
const subcommands = new Map<string, (argv: readonly string[], io: CommandIo) => Promise<number>>([
  ['resolve', runResolveCommand],
  ['resolv-conf', runResolvConfCommand],
  ['top', runTopCommand],
]);

const io: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** A subcommand's reader that went away (`clusterdns top | head`) ends it, as it ends a Unix tool. */
function endOnClosedStdout(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
}

async function main(argv: readonly string[]): Promise<number> {
  const subcommand = argv[0] === undefined ? undefined : subcommands.get(argv[0]);
  if (subcommand === undefined) return runServerCommand(argv, io);
  process.stdout.on('error', endOnClosedStdout);
  return subcommand(argv.slice(1), io);
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
