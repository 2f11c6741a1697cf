import type { Labels } from './types.ts';

/**
 * Kubernetes label selectors in their string form (`a=b,c in (x,y),!d`), with the grammar and
 * validation of apimachinery's labels.Parse as `kubectl -l` and CoreDNS's `labels` option use it.
 * `>` and `<` are rejected, as metav1.ParseToLabelSelector (what CoreDNS calls) rejects them.
 */

export type SelectorOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!';

export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** Sorted and without duplicates; empty for `exists` and `!`. */
  readonly values: readonly string[];
}

export interface Selector {
  /** Sorted by key, as apimachinery keeps them. */
  readonly requirements: readonly Requirement[];
  /** True when every requirement holds; an empty selector matches everything. */
  matches(labels: Labels): boolean;
  /** The canonical form: requirements sorted by key, set values sorted. */
  toString(): string;
}

export class SelectorError extends Error {
  readonly selector: string;
  constructor(selector: string, message: string) {
    super(`couldn't parse the selector string "${selector}": ${message}`);
    this.name = 'SelectorError';
    this.selector = selector;
  }
}

type TokenKind = 'id' | 'end' | ')' | '(' | ',' | '!' | '=' | '==' | '!=' | 'in' | 'notin' | '>' | '<';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

const SYMBOLS = new Map<string, TokenKind>([
  [')', ')'],
  ['(', '('],
  [',', ','],
  ['!', '!'],
  ['=', '='],
  ['==', '=='],
  ['!=', '!='],
  ['>', '>'],
  ['<', '<'],
]);
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/** The lexer of apimachinery: identifiers run until whitespace or an operator character. */
function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (true) {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
    if (i >= text.length) {
      tokens.push({ kind: 'end', text: '' });
      return tokens;
    }
    const start = i;
    if (SPECIAL.has(text[i]!)) {
      // Longest run of operator characters that still spells an operator.
      let best: Token | undefined;
      while (i < text.length && SPECIAL.has(text[i]!)) {
        const kind = SYMBOLS.get(text.slice(start, i + 1));
        if (kind) best = { kind, text: text.slice(start, i + 1) };
        else if (best) break;
        i++;
      }
      if (!best) return `error expected: keyword found '${text.slice(start, i)}'`;
      i = start + best.text.length;
      tokens.push(best);
      continue;
    }
    while (i < text.length && !SPECIAL.has(text[i]!) && !WHITESPACE.has(text[i]!)) i++;
    const word = text.slice(start, i);
    tokens.push({ kind: word === 'in' || word === 'notin' ? word : 'id', text: word });
  }
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function keyProblem(key: string): string | null {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) return `key "${key}": prefix part must be non-empty`;
    if (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      return `key "${key}": prefix part must be a lowercase RFC 1123 subdomain of at most 253 characters`;
    }
  } else if (parts.length > 2) {
    return `key "${key}": a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'`;
  }
  if (name.length === 0) return `key "${key}": name part must be non-empty`;
  if (name.length > 63) return `key "${key}": name part must be no more than 63 characters`;
  if (!NAME_PART.test(name)) {
    return `key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  }
  return null;
}

function valueProblem(key: string, value: string): string | null {
  if (value === '') return null;
  if (value.length > 63) return `values[${key}] "${value}": must be no more than 63 characters`;
  if (!NAME_PART.test(value)) {
    return `values[${key}] "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  }
  return null;
}

class Parser {
  readonly #tokens: Token[];
  readonly #fail: (message: string) => never;
  #position = 0;

  constructor(tokens: Token[], fail: (message: string) => never) {
    this.#tokens = tokens;
    this.#fail = fail;
  }

  /** In value position `in` and `notin` are plain identifiers, as in apimachinery. */
  #peek(asValue: boolean): Token {
    const token = this.#tokens[this.#position]!;
    return asValue && (token.kind === 'in' || token.kind === 'notin') ? { kind: 'id', text: token.text } : token;
  }

  #next(asValue: boolean): Token {
    const token = this.#peek(asValue);
    this.#position++;
    return token;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    while (true) {
      const token = this.#peek(true);
      if (token.kind === 'end') return requirements;
      if (token.kind !== 'id' && token.kind !== '!') {
        this.#fail(`found '${token.text}', expected: !, identifier, or 'end of string'`);
      }
      requirements.push(this.#requirement());
      const after = this.#next(true);
      if (after.kind === 'end') return requirements;
      if (after.kind !== ',') this.#fail(`found '${after.text}', expected: ',' or 'end of string'`);
      const following = this.#peek(true);
      if (following.kind !== 'id' && following.kind !== '!') {
        this.#fail(`found '${following.text}', expected: identifier after ','`);
      }
    }
  }

  #requirement(): Requirement {
    let negated = false;
    let token = this.#next(true);
    if (token.kind === '!') {
      negated = true;
      token = this.#next(true);
    }
    if (token.kind !== 'id') this.#fail(`unable to parse requirement: found '${token.text}', expected: identifier`);
    const key = token.text;
    const problem = keyProblem(key);
    if (problem) this.#fail(`unable to parse requirement: ${problem}`);
    const lookahead = this.#peek(true).kind;
    if (lookahead === 'end' || lookahead === ',') return { key, operator: negated ? '!' : 'exists', values: [] };
    if (negated) this.#fail(`unable to parse requirement: found '${this.#peek(true).text}', expected: ',' or 'end of string'`);

    const op = this.#next(false);
    let operator: SelectorOperator;
    let values: string[];
    switch (op.kind) {
      case 'in':
      case 'notin':
        operator = op.kind;
        values = this.#valueSet();
        break;
      case '=':
      case '==':
      case '!=':
        operator = op.kind;
        values = [this.#exactValue()];
        break;
      case '>':
      case '<':
        return this.#fail(`"${op.kind === '>' ? 'gt' : 'lt'}" isn't supported in label selectors`);
      default:
        return this.#fail(`unable to parse requirement: found '${op.text}', expected: in, notin, =, ==, !=`);
    }
    for (const value of values) {
      const bad = valueProblem(key, value);
      if (bad) this.#fail(`unable to parse requirement: ${bad}`);
    }
    return { key, operator, values: [...new Set(values)].sort() };
  }

  #exactValue(): string {
    const token = this.#peek(true);
    if (token.kind === 'end' || token.kind === ',') return '';
    this.#position++;
    if (token.kind !== 'id') this.#fail(`unable to parse requirement: found '${token.text}', expected: identifier`);
    return token.text;
  }

  /** `(a,b)`; empty members (`(,a)`, `()`) are the empty value, as apimachinery reads them. */
  #valueSet(): string[] {
    const open = this.#next(true);
    if (open.kind !== '(') this.#fail(`unable to parse requirement: found '${open.text}' expected: '('`);
    const values: string[] = [];
    let expectValue = true;
    while (true) {
      const token = this.#next(true);
      if (token.kind === ')') {
        if (expectValue) values.push('');
        return values;
      }
      if (token.kind === ',') {
        if (expectValue) values.push('');
        expectValue = true;
        continue;
      }
      if (token.kind === 'id' && expectValue) {
        values.push(token.text);
        expectValue = false;
        continue;
      }
      this.#fail(`unable to parse requirement: found '${token.text}', expected: ',', ')' or identifier`);
    }
  }
}

function requirementMatches(requirement: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  switch (requirement.operator) {
    case '=':
    case '==':
    case 'in':
      return has && requirement.values.includes(labels[requirement.key]!);
    case '!=':
    case 'notin':
      return !has || !requirement.values.includes(labels[requirement.key]!);
    case 'exists':
      return has;
    case '!':
      return !has;
  }
}

function requirementString(requirement: Requirement): string {
  const { key, operator, values } = requirement;
  switch (operator) {
    case 'exists':
      return key;
    case '!':
      return `!${key}`;
    case 'in':
    case 'notin':
      return `${key} ${operator} (${values.join(',')})`;
    default:
      return `${key}${operator}${values[0] ?? ''}`;
  }
}

class ParsedSelector implements Selector {
  readonly requirements: readonly Requirement[];
  readonly #text: string;

  constructor(requirements: readonly Requirement[]) {
    this.requirements = requirements;
    this.#text = requirements.map(requirementString).join(',');
  }

  matches(labels: Labels): boolean {
    for (const requirement of this.requirements) if (!requirementMatches(requirement, labels)) return false;
    return true;
  }

  toString(): string {
    return this.#text;
  }
}

/** Parses a label selector; throws SelectorError naming what was wrong and where. */
export function parseSelector(text: string): Selector {
  const fail = (message: string): never => {
    throw new SelectorError(text, message);
  };
  const tokens = tokenize(text);
  if (typeof tokens === 'string') fail(`unable to parse requirement: ${tokens}`);
  const requirements = new Parser(tokens as Token[], fail).parse();
  // A stable sort by key: the order apimachinery keeps and prints them in.
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return new ParsedSelector(requirements);
}
