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

async function main(argv: readonly string[]): Promise<number> {
  const subcommand = argv[0] === undefined ? undefined : subcommands.get(argv[0]);
  return subcommand ? subcommand(argv.slice(1), io) : runServerCommand(argv, io);
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
