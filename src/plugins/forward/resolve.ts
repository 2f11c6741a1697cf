import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CorefileError, type Token } from '../../corefile/types.ts';
import { RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { normalizeName } from '../../dns/names.ts';
import { encodeQuery } from '../../dns/query.ts';
import { UdpConnection } from './connection.ts';
import { collectUpstreams, upstreamAddress, type ToEntry, type UpstreamAddress } from './upstreams.ts';

/*
 * Host names among the TO arguments are resolved once, at setup (and again on each reload), as
 * CoreDNS 1.14's forward does: by the system's resolver, or by the `resolver` addresses.
 */

/** A TO argument as written: what it stands for, and where, to name the line when it cannot be resolved. */
export interface WrittenTo {
  readonly entry: ToEntry;
  readonly token: Token;
}

/** The addresses of a host name in the order to use them; rejects with the reason in Go's words. */
export type HostLookup = (hostname: string) => Promise<string[]>;

/** CoreDNS's dnsLookup waits this long for each of a resolver's answers. */
const RESOLVER_TIMEOUT_MS = 2_000;
const MAX_NAME_LENGTH = 253;
const HOST_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

/** A host name no resolver will find: the lookup fails at once, as Go's `no such host`. */
class NoSuchHostError extends Error {
  constructor(hostname: string, reason = 'no such host') {
    super(`lookup ${hostname}: ${reason}`);
    this.name = 'NoSuchHostError';
  }
}

/**
 * A name as Go's resolver takes one: letters, digits, `-` and `_` in labels of 1 to 63, not all
 * digits. CoreDNS lets any other text through to the lookup (a missing resolv.conf's path
 * among them), which Go then fails without asking anyone.
 */
export function isHostName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare === '' || bare.length > MAX_NAME_LENGTH) return false;
  return bare.split('.').every((label) => HOST_LABEL.test(label)) && /[^0-9.]/.test(bare);
}

function lookupReason(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOTFOUND':
    case 'ENODATA':
      return 'no such host';
    case 'EAI_AGAIN':
      return 'temporary failure in name resolution';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** The system's resolver (`/etc/hosts`, `/etc/resolv.conf`), as Go's net.LookupHost. */
export const systemLookup: HostLookup = async (hostname) => {
  if (!isHostName(hostname)) throw new NoSuchHostError(hostname);
  try {
    const found = await lookup(hostname, { all: true, order: 'verbatim' });
    return found.map((entry) => entry.address);
  } catch (error) {
    throw new NoSuchHostError(hostname, lookupReason(error));
  }
};

async function ask(resolver: UpstreamAddress, name: string, type: typeof RRType.A | typeof RRType.AAAA): Promise<string[]> {
  const query = encodeQuery(normalizeName(name), type);
  const connection = await UdpConnection.open(resolver);
  try {
    const reply = decodeMessage(await connection.exchange(query, query.readUInt16BE(0), RESOLVER_TIMEOUT_MS));
    return reply.answer.flatMap((record) => (record.type === type ? [(record as { address: string }).address] : []));
  } finally {
    connection.close();
  }
}

/**
 * CoreDNS's dnsLookup: each resolver in turn is asked A then AAAA over UDP; the first that gives
 * any address wins (its A records when only its AAAA question failed).
 */
export function resolverLookup(resolvers: readonly UpstreamAddress[]): HostLookup {
  return async (hostname) => {
    let lastError: unknown = null;
    for (const resolver of resolvers) {
      let addresses: string[];
      try {
        addresses = await ask(resolver, hostname, RRType.A);
      } catch (error) {
        lastError = error;
        continue;
      }
      try {
        addresses.push(...(await ask(resolver, hostname, RRType.AAAA)));
      } catch (error) {
        if (addresses.length > 0) return addresses;
        lastError = error;
        continue;
      }
      if (addresses.length > 0) return addresses;
    }
    const reason = lastError === null ? '' : `: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
    throw new Error(`no addresses found for "${hostname}"${reason}`);
  };
}

/** The `resolver` addresses when there are any, else the system's. */
export function hostLookup(resolvers: readonly UpstreamAddress[]): HostLookup {
  return resolvers.length === 0 ? systemLookup : resolverLookup(resolvers);
}

/** Whether setup has host names to resolve. */
export function hasHostNames(to: readonly WrittenTo[]): boolean {
  return to.some(({ entry }) => entry.kind === 'host');
}

/**
 * The upstreams of the TO arguments in order, host names resolved, the first of duplicate
 * addresses kept (CoreDNS's expandAndDedup). Throws a CorefileError at the argument whose name
 * cannot be resolved.
 */
export async function resolveUpstreams(to: readonly WrittenTo[], resolve: HostLookup): Promise<UpstreamAddress[]> {
  const lists: (readonly UpstreamAddress[])[] = [];
  for (const { entry, token } of to) {
    if (entry.kind === 'addresses') {
      lists.push(entry.addresses);
      continue;
    }
    const { hostname, port, scheme, serverName } = entry.host;
    let found: string[];
    try {
      found = await resolve(hostname);
    } catch (error) {
      throw new CorefileError(token.file, token.line, `failed to resolve "${hostname}": ${(error as Error).message}`, 'forward');
    }
    lists.push(found.flatMap((ip) => {
      const family = isIP(ip);
      return family === 0 ? [] : [upstreamAddress(ip, port, family as 4 | 6, scheme, serverName)];
    }));
  }
  return collectUpstreams(lists);
}
