import { BlockList, isIP } from 'node:net';
import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { typeFromName } from '../../dns/constants.ts';
import type { DomainName } from '../../dns/types.ts';
import { blockDirectives, parseZonesArg } from '../../toolkit/args.ts';

export type AclAction = 'allow' | 'block' | 'filter' | 'drop';

export interface AclPolicy {
  readonly action: AclAction;
  /** The query types it matches; null for every type. */
  readonly qtypes: ReadonlySet<number> | null;
  /** The sources it matches; null for every address. */
  readonly sources: BlockList | null;
}

export interface AclRule {
  /** Zones given as arguments; null means the server block's. */
  readonly zones: readonly DomainName[] | null;
  readonly policies: readonly AclPolicy[];
}

const ACTIONS: readonly AclAction[] = ['allow', 'block', 'filter', 'drop'];

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, 'acl');
}

/** A CIDR, or an address alone (a /32 or /128), into `sources`; CoreDNS's normalize and ParseCIDR. */
function addSource(sources: BlockList, token: Token): void {
  const [address = '', prefixText] = token.text.split('/');
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d+$/.test(prefixText) ? Number(prefixText) : NaN;
  if (family === 0 || !(prefix >= 0 && prefix <= bits)) fail(token, `illegal CIDR notation "${token.text}"`);
  sources.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
}

function policy(line: Directive): AclPolicy {
  const action = line.name.text as AclAction;
  if (!ACTIONS.includes(action)) fail(line.name, `unexpected token "${line.name.text}"; expect 'allow', 'block', 'filter' or 'drop'`);
  let qtypes: Set<number> | null = null;
  let sources: BlockList | null = null;
  let sawType = false;
  let sawNet = false;
  const args = line.args;
  for (let i = 0; i < args.length; ) {
    const section = args[i]!;
    const keyword = section.text.toLowerCase();
    if (keyword !== 'type' && keyword !== 'net') fail(section, `unexpected token "${section.text}"; expect 'type | net'`);
    i++;
    const tokens: Token[] = [];
    while (i < args.length && !['type', 'net'].includes(args[i]!.text.toLowerCase())) tokens.push(args[i++]!);
    if (tokens.length === 0) fail(section, `no token specified in "${keyword}" section`);
    if (keyword === 'type') {
      sawType = true;
      for (const token of tokens) {
        if (token.text === '*') {
          qtypes = null;
          break;
        }
        const qtype = typeFromName(token.text.toUpperCase());
        if (qtype === undefined) fail(token, `unexpected token "${token.text}"; expect legal QTYPE`);
        (qtypes ??= new Set()).add(qtype);
      }
    } else {
      sawNet = true;
      if (tokens.some((token) => token.text === '*')) {
        sources = null;
        continue;
      }
      sources ??= new BlockList();
      for (const token of tokens) addSource(sources, token);
    }
  }
  return { action, qtypes: sawType ? qtypes : null, sources: sawNet ? sources : null };
}

/** `acl [ZONES...] { ACTION [type QTYPE...] [net SOURCE...] }`, as CoreDNS's setup. */
export function parseAcl(directive: Directive): AclRule {
  const zones = directive.args.length > 0 ? parseZonesArg(directive.args, [], 'acl') : null;
  return { zones, policies: blockDirectives(directive).map(policy) };
}
