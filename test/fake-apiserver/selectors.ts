/**
 * Label and field selectors as the API server evaluates them. Deliberately independent of
 * src/cluster/selector.ts: a test double must not share code with what it tests.
 */

export class SelectorSyntaxError extends Error {
  readonly selector: string;

  constructor(selector: string, reason: string) {
    super(`unable to parse requirement: ${reason} in selector "${selector}"`);
    this.name = 'SelectorSyntaxError';
    this.selector = selector;
  }
}

type LabelOperator = 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;
export type LabelMatcher = (labels: Labels) => boolean;

const SPECIAL = new Set([',', '(', ')', '=', '!', '<', '>', ' ', '\t']);

/** Splits a label selector into identifiers and operator tokens. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '=' || c === '!') {
      if (text[i + 1] === '=') {
        tokens.push(c + '=');
        i += 2;
      } else {
        tokens.push(c);
        i++;
      }
    } else if (SPECIAL.has(c)) {
      tokens.push(c);
      i++;
    } else {
      let j = i;
      while (j < text.length && !SPECIAL.has(text[j] as string)) j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function isIdentifier(token: string | undefined): token is string {
  return token !== undefined && !SPECIAL.has(token[0] as string) && token !== '==' && token !== '!=';
}

function parseRequirements(text: string): LabelRequirement[] {
  const tokens = tokenize(text);
  const requirements: LabelRequirement[] = [];
  let i = 0;
  const fail = (reason: string): never => {
    throw new SelectorSyntaxError(text, reason);
  };
  const valueAt = (index: number): string => {
    const token = tokens[index];
    // `a=` is legal: an empty value, which the next token (',' or end) reveals.
    if (token === undefined || token === ',') return '';
    if (!isIdentifier(token)) fail(`found '${token}', expected value`);
    return token as string;
  };
  while (i < tokens.length) {
    let requirement: LabelRequirement;
    if (tokens[i] === '!') {
      const key = tokens[i + 1];
      if (!isIdentifier(key)) fail('expected key after !');
      requirement = { key: key as string, operator: '!', values: [] };
      i += 2;
    } else {
      const key = tokens[i];
      if (!isIdentifier(key)) fail(`found '${key}', expected key`);
      const op = tokens[i + 1];
      if (op === undefined || op === ',') {
        requirement = { key: key as string, operator: 'exists', values: [] };
        i += 1;
      } else if (op === '=' || op === '==' || op === '!=') {
        const value = valueAt(i + 2);
        requirement = { key: key as string, operator: op === '!=' ? 'notin' : 'in', values: [value] };
        i += value === '' ? 2 : 3;
      } else if (op === '>' || op === '<') {
        const value = valueAt(i + 2);
        if (!/^-?\d+$/.test(value)) fail(`for 'gt', 'lt' operators, exactly one integer value is required`);
        requirement = { key: key as string, operator: op === '>' ? 'gt' : 'lt', values: [value] };
        i += 3;
      } else if (op === 'in' || op === 'notin') {
        if (tokens[i + 2] !== '(') fail(`found '${tokens[i + 2]}', expected: '('`);
        const values: string[] = [];
        let j = i + 3;
        for (;;) {
          const token = tokens[j];
          if (token === undefined) fail("found end of input, expected: ')'");
          if (token === ')') break;
          if (token === ',') {
            j++;
            continue;
          }
          values.push(valueAt(j));
          j++;
        }
        if (values.length === 0) fail(`for 'in', 'notin' operators, values set can't be empty`);
        requirement = { key: key as string, operator: op, values };
        i = j + 1;
      } else {
        return fail(`found '${op}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    requirements.push(requirement);
    if (i < tokens.length) {
      if (tokens[i] !== ',') fail(`found '${tokens[i]}', expected: ','`);
      i++;
      if (i === tokens.length) fail("found end of input after ','");
    }
  }
  return requirements;
}

function matchesRequirement(requirement: LabelRequirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'in':
      return has && requirement.values.includes(value as string);
    case 'notin':
      return !has || !requirement.values.includes(value as string);
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value as string)) return false;
      const n = Number(value);
      const bound = Number(requirement.values[0]);
      return requirement.operator === 'gt' ? n > bound : n < bound;
    }
  }
}

/** Parses `labelSelector`; an empty or absent selector matches everything. */
export function parseLabelSelector(text: string | null): LabelMatcher {
  if (!text || text.trim() === '') return () => true;
  const requirements = parseRequirements(text);
  return (labels) => requirements.every((r) => matchesRequirement(r, labels));
}

export type FieldGetter = (object: unknown) => string;
export type FieldMatcher = (object: unknown) => boolean;

function path(...segments: string[]): FieldGetter {
  return (object) => {
    let current: unknown = object;
    for (const segment of segments) {
      if (current === null || typeof current !== 'object') return '';
      current = (current as Record<string, unknown>)[segment];
    }
    return typeof current === 'string' ? current : '';
  };
}

const COMMON_FIELDS: Record<string, FieldGetter> = {
  'metadata.name': path('metadata', 'name'),
  'metadata.namespace': path('metadata', 'namespace'),
};

const POD_FIELDS: Record<string, FieldGetter> = {
  ...COMMON_FIELDS,
  'spec.nodeName': path('spec', 'nodeName'),
  'status.phase': path('status', 'phase'),
  'status.podIP': path('status', 'podIP'),
};

export class FieldSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSelectorError';
  }
}

/** Parses `fieldSelector` (=, ==, != on the fields the API server indexes for this kind). */
export function parseFieldSelector(text: string | null, forPods: boolean): FieldMatcher {
  if (!text || text.trim() === '') return () => true;
  const fields = forPods ? POD_FIELDS : COMMON_FIELDS;
  const tests = text.split(',').map((term) => {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!match) throw new FieldSelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, field, op, value] = match as unknown as [string, string, string, string];
    const get = fields[field];
    if (!get) throw new FieldSelectorError(`field label not supported: ${field}`);
    return op === '!=' ? (o: unknown) => get(o) !== value : (o: unknown) => get(o) === value;
  });
  return (object) => tests.every((test) => test(object));
}
