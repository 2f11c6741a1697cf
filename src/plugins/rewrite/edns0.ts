import { addressBytes, clientSubnetData, EdnsOptionCode } from '../../dns/edns-options.ts';
import type { EdnsOption } from '../../dns/message.ts';
import { RuleError } from './errors.ts';
import { decodeGoHex, parseGoUint } from './go-parse.ts';
import type { ResponseRule } from './response.ts';
import { NONE, type Mode, type Rule } from './rules.ts';
import type { RewriteState } from './state.ts';

type Action = 'set' | 'replace' | 'append' | 'unset';
const ACTIONS: readonly string[] = ['set', 'replace', 'append', 'unset'];

/**
 * Option codes miekg/dns decodes into types of their own (LLQ, UL, NSID, ESU, DAU, DHU, N3U,
 * SUBNET, EXPIRE, COOKIE, TCP keepalive, PADDING, EDE, REPORTING, ZONEVERSION). Every other code
 * is an EDNS0_LOCAL option there, the only kind a `local` rule finds to replace.
 */
const MODELLED_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 18, 19]);

const EMPTY = Buffer.alloc(0);

/** The variables `edns0 local` takes as data, as CoreDNS's request.Request gives them. */
type Variable = (state: RewriteState) => Buffer | null;

function uint16(value: number): Buffer {
  const out = Buffer.allocUnsafe(2);
  out.writeUInt16BE(value);
  return out;
}

/** CoreDNS's ipToWire: the address in the client's family (4 bytes for IPv4, else 16); null when it has no such form. */
function addressInClientFamily(state: RewriteState, text: string): Buffer | null {
  const clientIsV4 = addressBytes(state.request.remoteAddress)?.length === 4;
  const bytes = addressBytes(text);
  if (bytes === null) return null;
  if (clientIsV4) return bytes.length === 4 ? Buffer.from(bytes) : null;
  if (bytes.length === 16) return Buffer.from(bytes);
  return Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...bytes]);
}

const VARIABLES: ReadonlyMap<string, Variable> = new Map<string, Variable>([
  ['{qname}', (state) => Buffer.from(state.spelledName())],
  ['{qtype}', (state) => uint16(state.question.type)],
  ['{client_ip}', (state) => addressInClientFamily(state, state.request.remoteAddress)],
  ['{server_ip}', (state) => addressInClientFamily(state, state.request.localAddress)],
  ['{client_port}', (state) => uint16(state.request.remotePort)],
  ['{server_port}', (state) => uint16(state.request.localPort)],
  ['{protocol}', (state) => Buffer.from(state.request.transport)],
]);

/** A metadata label (`{plugin/name}`), which CoreDNS accepts; clusterdns has no metadata, so it never has a value. */
const NO_METADATA: Variable = () => null;

function isMetadataLabel(variable: string): boolean {
  const label = variable.slice(1, -1);
  const slash = label.indexOf('/');
  return slash > 0 && slash < label.length - 1;
}

function removeAll(state: RewriteState, code: number): void {
  const options = state.ednsOptions();
  const kept = options.filter((option) => option.code !== code);
  if (kept.length === options.length) return;
  options.splice(0, options.length, ...kept);
  state.optionsChanged();
}

/** Puts `option` at `index` (at the end for -1): the rule matched, and calls for nothing in the response. */
function put(state: RewriteState, index: number, option: EdnsOption): readonly ResponseRule[] {
  const options = state.ednsOptions();
  if (index < 0) options.push(option);
  else options[index] = option;
  state.optionsChanged();
  return NONE;
}

/** The first option a `local` rule may replace: one of `code` that miekg/dns reads as EDNS0_LOCAL. */
function localIndex(options: readonly EdnsOption[], code: number): number {
  return MODELLED_CODES.has(code) ? -1 : options.findIndex((option) => option.code === code);
}

/**
 * `edns0 local ACTION CODE DATA`. As CoreDNS's: set and replace change the first such option,
 * set and append add one when there is none, and append adds one even when there is.
 */
function localRule(mode: Mode, action: Action, code: number, data: Buffer): Rule {
  return {
    mode,
    apply(state) {
      if (action === 'unset') {
        removeAll(state, code);
        return NONE;
      }
      const index = localIndex(state.ednsOptions(), code);
      if (index >= 0 && action !== 'append') return put(state, index, { code, data });
      if (action === 'append' || action === 'set') return put(state, -1, { code, data });
      return null;
    },
  };
}

/**
 * `edns0 local ACTION CODE {variable}`: the variable's value as the data, and nothing done when
 * it has none. Unlike a fixed-data rule, append leaves an existing option alone (and does not match).
 */
function variableRule(mode: Mode, action: Action, code: number, variable: Variable): Rule {
  return {
    mode,
    apply(state) {
      const data = variable(state);
      if (data === null) return null;
      const index = localIndex(state.ednsOptions(), code);
      if (index >= 0) return action === 'set' || action === 'replace' ? put(state, index, { code, data }) : null;
      return action === 'append' || action === 'set' ? put(state, -1, { code, data }) : null;
    },
  };
}

/** `edns0 nsid ACTION`: an empty NSID option (RFC 5001's request form). Append adds one even when there is one, as CoreDNS. */
function nsidRule(mode: Mode, action: Action): Rule {
  const nsid = { code: EdnsOptionCode.NSID, data: EMPTY };
  return {
    mode,
    apply(state) {
      if (action === 'unset') {
        removeAll(state, EdnsOptionCode.NSID);
        return NONE;
      }
      const index = state.ednsOptions().findIndex((option) => option.code === EdnsOptionCode.NSID);
      if (index >= 0 && action !== 'append') return put(state, index, nsid);
      if (action === 'append' || action === 'set') return put(state, -1, nsid);
      return null;
    },
  };
}

/** `edns0 subnet ACTION V4 V6`: the client's address cut to V4 or V6 bits (RFC 7871); append leaves an existing one alone. */
function subnetRule(mode: Mode, action: Action, prefixV4: number, prefixV6: number): Rule {
  return {
    mode,
    apply(state) {
      if (action === 'unset') {
        removeAll(state, EdnsOptionCode.SUBNET);
        return NONE;
      }
      const index = state.ednsOptions().findIndex((option) => option.code === EdnsOptionCode.SUBNET);
      if (index >= 0 ? action === 'append' : action === 'replace') return null;
      const data = clientSubnetData(state.request.remoteAddress, prefixV4, prefixV6);
      return data === null ? null : put(state, index, { code: EdnsOptionCode.SUBNET, data });
    },
  };
}

function prefixLength(text: string, bits: number, family: string): number {
  const length = parseGoUint(text, 0, 16);
  if (length > bits) throw new RuleError(`invalid ${family} bit mask length ${length}`);
  return length;
}

function unsetRule(mode: Mode, kind: string, args: readonly string[]): Rule {
  switch (kind) {
    case 'local':
      if (args.length !== 3) throw new RuleError('local unset action requires exactly two arguments');
      return localRule(mode, 'unset', parseGoUint(args[2]!, 0, 16), EMPTY);
    case 'nsid':
      if (args.length !== 2) throw new RuleError('nsid unset action requires exactly one argument');
      return nsidRule(mode, 'unset');
    case 'subnet':
      if (args.length !== 2) throw new RuleError('subnet unset action requires exactly one argument');
      return subnetRule(mode, 'unset', 0, 0);
    default:
      throw new RuleError(`invalid rule type ${JSON.stringify(kind)}`);
  }
}

function localData(text: string): Buffer {
  return text.startsWith('0x') ? decodeGoHex(text.slice(2)) : Buffer.from(text, 'utf8');
}

/**
 * `edns0 local|nsid|subnet set|replace|append|unset ... [revert]` (CoreDNS's newEdns0Rule), with
 * its checks and words. `revert` is accepted and changes nothing: clusterdns's responses never
 * carry a query's options.
 */
export function newEdns0Rule(mode: Mode, words: readonly string[]): Rule {
  if (words.length < 2) throw new RuleError('too few arguments for an EDNS0 rule');
  const kind = words[0]!.toLowerCase();
  const action = words[1]!.toLowerCase();
  if (!ACTIONS.includes(action)) throw new RuleError(`invalid action: ${JSON.stringify(action)}`);
  if (action === 'unset') return unsetRule(mode, kind, words);
  const args = words.at(-1) === 'revert' ? words.slice(0, -1) : words;
  const verb = action as Action;
  switch (kind) {
    case 'local': {
      if (args.length !== 4) throw new RuleError('EDNS0 local rules require three or four args');
      const data = args[3]!;
      const code = parseGoUint(args[2]!, 0, 16);
      if (!data.startsWith('{') || !data.endsWith('}')) return localRule(mode, verb, code, localData(data));
      const variable = VARIABLES.get(data) ?? (isMetadataLabel(data) ? NO_METADATA : undefined);
      if (variable === undefined) throw new RuleError(`unsupported variable name ${JSON.stringify(data)}`);
      return variableRule(mode, verb, code, variable);
    }
    case 'nsid':
      if (args.length !== 2) throw new RuleError('EDNS0 NSID rules can accept no more than one arg');
      return nsidRule(mode, verb);
    case 'subnet':
      if (args.length !== 4) throw new RuleError('EDNS0 subnet rules require three or four args');
      return subnetRule(mode, verb, prefixLength(args[2]!, 32, 'IPv4'), prefixLength(args[3]!, 128, 'IPv6'));
    default:
      throw new RuleError(`invalid rule type ${JSON.stringify(kind)}`);
  }
}
