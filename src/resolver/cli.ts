import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { FlagError, formatUsage, HelpRequested, parseFlags, type FlagSpec } from '../command-line/flags.ts';
import type { CommandIo } from '../command-line/io.ts';
import { rcodeName, typeFromName, typeName } from '../dns/constants.ts';
import type { DecodedMessage } from '../dns/message.ts';
import { normalizeName, toFqdn } from '../dns/names.ts';
import { formatRecord } from './format.ts';
import {
  DEFAULT_NAMESERVER,
  parseResolvConf,
  podSearch,
  renderPodResolvConf,
  searchFromHostname,
  type ResolvConf,
} from './resolv-conf.ts';
import { searchName, type Attempt, type HostError, type SearchConfig } from './search.ts';
import { createExchange, parseServerAddress, ServerAddressError, type TransportResult } from './transport.ts';

const DEFAULT_RESOLV_CONF = '/etc/resolv.conf';
const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** The kubeadm default cluster DNS address (the kube-dns Service's ClusterIP). */
const DEFAULT_CLUSTER_DNS = '10.96.0.10';

const RESOLVE_FLAGS: readonly FlagSpec[] = [
  { name: 'type', kind: 'string', usage: 'Record type to ask for', defaultText: 'A' },
  { name: 'namespace', kind: 'string', usage: "Use the resolv.conf the kubelet gives a ClusterFirst pod of this namespace" },
  { name: 'resolv-conf', kind: 'string', usage: 'resolv.conf to read', defaultText: DEFAULT_RESOLV_CONF },
  { name: 'cluster-domain', kind: 'string', usage: 'Cluster domain for --namespace', defaultText: DEFAULT_CLUSTER_DOMAIN },
  { name: 'ndots', kind: 'string', usage: "Override resolv.conf's ndots" },
  { name: 'server', kind: 'string', usage: 'Ask this server (HOST[:PORT]) instead of the nameservers' },
  { name: 'timeout', kind: 'string', usage: "Override resolv.conf's timeout (seconds per try)" },
  { name: 'attempts', kind: 'string', usage: "Override resolv.conf's attempts" },
  { name: 'tcp', kind: 'bool', usage: 'Use TCP only' },
];

const RESOLV_CONF_FLAGS: readonly FlagSpec[] = [
  { name: 'namespace', kind: 'string', usage: 'Namespace of the pod' },
  { name: 'nameserver', kind: 'string', usage: 'Cluster DNS addresses, comma-separated', defaultText: DEFAULT_CLUSTER_DNS },
  { name: 'cluster-domain', kind: 'string', usage: 'Cluster domain', defaultText: DEFAULT_CLUSTER_DOMAIN },
];

/** Flags and positional arguments in any order (Go's flag package stops at the first positional). */
function parseCommandLine(specs: readonly FlagSpec[], argv: readonly string[]): { flags: Map<string, string | boolean>; positional: string[] } {
  const flags = new Map<string, string | boolean>();
  const positional: string[] = [];
  let rest = argv;
  while (rest.length > 0) {
    const parsed = parseFlags(specs, rest);
    for (const [name, value] of parsed.values) flags.set(name, value);
    if (parsed.rest.length === 0) break;
    positional.push(parsed.rest[0]!);
    rest = parsed.rest.slice(1);
  }
  return { flags, positional };
}

function stringFlag(flags: Map<string, string | boolean>, name: string): string | undefined {
  const value = flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

function intFlag(flags: Map<string, string | boolean>, name: string, min: number, max: number): number | undefined {
  const text = stringFlag(flags, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new FlagError(`invalid value "${text}" for flag -${name}: want ${min}..${max}`);
  return value;
}

/** Runs a subcommand body, turning flag errors into Go-style usage output (exit 2). */
async function withUsage(program: string, specs: readonly FlagSpec[], io: CommandIo, body: () => Promise<number>): Promise<number> {
  const usage = formatUsage(program, specs);
  try {
    return await body();
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.err(usage);
      return 0;
    }
    if (error instanceof FlagError || error instanceof ServerAddressError) {
      io.err(`${error.message}\n${usage}`);
      return 2;
    }
    throw error;
  }
}

/** A resolv.conf that cannot be read is a mistake on the command line. */
function readResolvConf(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new FlagError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

interface ResolveSetup {
  readonly name: string;
  readonly type: number;
  readonly config: SearchConfig;
  readonly conf: ResolvConf;
  readonly servers: readonly string[];
}

function readSetup(argv: readonly string[]): ResolveSetup {
  const { flags, positional } = parseCommandLine(RESOLVE_FLAGS, argv);
  if (positional.length !== 1) throw new FlagError(`want exactly one NAME, got ${positional.length}`);
  const typeText = stringFlag(flags, 'type') ?? 'A';
  const type = typeFromName(typeText) ?? (/^TYPE\d+$/i.test(typeText) ? Number(typeText.slice(4)) : undefined);
  if (type === undefined || type > 0xffff) throw new FlagError(`unknown record type "${typeText}"`);
  const namespace = stringFlag(flags, 'namespace');
  const resolvConf = stringFlag(flags, 'resolv-conf');
  if (namespace !== undefined && resolvConf !== undefined) throw new FlagError('--namespace and --resolv-conf exclude each other');

  let conf: ResolvConf;
  let search: readonly string[];
  if (namespace !== undefined) {
    const clusterDomain = stringFlag(flags, 'cluster-domain') ?? DEFAULT_CLUSTER_DOMAIN;
    conf = parseResolvConf(renderPodResolvConf({ namespace, clusterDomain, nameservers: [DEFAULT_CLUSTER_DNS] }));
    search = podSearch(namespace, clusterDomain);
  } else {
    conf = parseResolvConf(readResolvConf(resolvConf ?? DEFAULT_RESOLV_CONF));
    search = conf.search ?? searchFromHostname(hostname());
  }
  const server = stringFlag(flags, 'server');
  const servers = server !== undefined ? [server] : conf.nameservers.length > 0 ? conf.nameservers : [DEFAULT_NAMESERVER];
  const timeout = intFlag(flags, 'timeout', 1, 30) ?? conf.timeout;
  const attempts = intFlag(flags, 'attempts', 1, 5) ?? conf.attempts;
  return {
    name: positional[0]!,
    type,
    config: { search: search.map(normalizeName), ndots: intFlag(flags, 'ndots', 0, 15) ?? conf.ndots, noTldQuery: conf.noTldQuery },
    conf: { ...conf, timeout, attempts, useTcp: conf.useTcp || flags.get('tcp') === true },
    servers,
  };
}

function attemptLine(index: number, attempt: Attempt, type: number): string {
  const head = `;; try ${index}: ${toFqdn(attempt.name)} ${typeName(type)}:`;
  const ms = `${attempt.elapsedMs.toFixed(1)} ms`;
  const result = attempt.result as TransportResult;
  if (result.kind === 'timeout') return `${head} no answer, ${ms}`;
  if (result.kind === 'refused') return `${head} connection refused, ${ms}`;
  const count = result.message.answer.length;
  return `${head} ${rcodeName(result.message.rcode)}, ${count} answer${count === 1 ? '' : 's'}, ${ms} (${result.server} ${result.transport})`;
}

const FAILURE_WORDS: Readonly<Record<HostError, string>> = {
  HOST_NOT_FOUND: 'no such name',
  NO_DATA: 'the name has no records of this type',
  TRY_AGAIN: 'no answer or server failure',
  NO_RECOVERY: 'refused or unrecoverable error',
};

function answerLines(message: DecodedMessage): string[] {
  const flags = ['qr', 'aa', 'tc', 'rd', 'ra', 'ad', 'cd'].filter(
    (_, i) => [message.response, message.authoritative, message.truncated, message.recursionDesired, message.recursionAvailable, message.authenticData, message.checkingDisabled][i],
  );
  const lines = [`;; status: ${rcodeName(message.rcode)}, flags: ${flags.join(' ')}`];
  const sections: [string, DecodedMessage['answer']][] = [
    ['ANSWER', message.answer],
    ['AUTHORITY', message.authority],
    ['ADDITIONAL', message.additional],
  ];
  for (const [title, records] of sections) {
    if (records.length === 0) continue;
    lines.push('', `;; ${title} SECTION:`, ...records.map(formatRecord));
  }
  return lines;
}

/**
 * `clusterdns resolve NAME [--type T] [--namespace NS | --resolv-conf FILE] [--ndots N]
 * [--server HOST:PORT] [--tcp]`: resolves NAME as a glibc program in a pod would, printing each
 * query tried and then the answer. Exit 0 when answered, 1 when not, 2 on a bad command line.
 */
export function runResolveCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return withUsage('clusterdns resolve NAME', RESOLVE_FLAGS, io, async () => {
    const setup = readSetup(argv);
    const { name, type, config, conf } = setup;
    const servers = setup.servers.map(parseServerAddress);
    const exchange = createExchange({ servers, timeoutMs: conf.timeout * 1000, attempts: conf.attempts, tcp: conf.useTcp });
    const searchText = config.search.length > 0 ? config.search.map(toFqdn).join(' ') : '(none)';
    io.out(`;; ${name} ${typeName(type)}: search ${searchText}, ndots:${config.ndots}\n`);
    let index = 0;
    const outcome = await searchName(name, type, config, exchange, (attempt) => io.out(`${attemptLine(++index, attempt, type)}\n`));
    if (outcome.kind === 'failure') {
      io.out(`;; ${name}: ${FAILURE_WORDS[outcome.error]} (${outcome.error})\n`);
      return 1;
    }
    io.out(`;; answered as ${toFqdn(outcome.name)}\n${answerLines(outcome.message).join('\n')}\n`);
    return 0;
  });
}

/**
 * `clusterdns resolv-conf --namespace NS [--nameserver IP[,IP...]] [--cluster-domain D]`: prints
 * the resolv.conf the kubelet gives a ClusterFirst pod of NS.
 */
export function runResolvConfCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return withUsage('clusterdns resolv-conf', RESOLV_CONF_FLAGS, io, async () => {
    const { flags, positional } = parseCommandLine(RESOLV_CONF_FLAGS, argv);
    if (positional.length > 0) throw new FlagError(`unexpected argument "${positional[0]}"`);
    const namespace = stringFlag(flags, 'namespace');
    if (namespace === undefined || namespace === '') throw new FlagError('--namespace is required');
    const nameservers = (stringFlag(flags, 'nameserver') ?? DEFAULT_CLUSTER_DNS).split(',').filter(Boolean);
    for (const nameserver of nameservers) parseServerAddress(nameserver);
    const clusterDomain = stringFlag(flags, 'cluster-domain') ?? DEFAULT_CLUSTER_DOMAIN;
    io.out(renderPodResolvConf({ namespace, clusterDomain, nameservers }));
    return 0;
  });
}
