import { sprint, sprintf, sprintln } from './printf.ts';
import { GoFloat, GoMap, GoSlice, goTypeName, NO_VALUE, truth, type GoValue, type ParamKind } from './values.ts';

// The functions a template may call: Go's text/template builtins that make sense for a record
// (not html, js, urlquery, call, slice) and CoreDNS's parseInt (strconv.ParseUint).

/** A failed call: the evaluator reports `error calling NAME: MESSAGE`. */
export class CallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallError';
  }
}

export interface GoFunction {
  readonly params: readonly ParamKind[];
  /** The kind of the arguments after `params`, for a variadic function. */
  readonly variadic?: ParamKind;
  /** `and` and `or` evaluate their arguments one by one until one decides. */
  readonly shortCircuit?: boolean;
  call(args: readonly GoValue[]): GoValue;
}

type Kind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'other';

function basicKind(value: GoValue): Kind {
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'int';
    case 'bigint':
      return 'uint';
    case 'string':
      return 'string';
  }
  return value instanceof GoFloat ? 'float' : 'other';
}

function numeric(value: GoValue): number | bigint {
  return value instanceof GoFloat ? value.value : (value as number | bigint);
}

const INCOMPATIBLE = 'incompatible types for comparison';

/** Go's eq for two values: basic kinds by value (ints of either sign together), others by identity. */
function equal(a: GoValue, b: GoValue): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) {
    if ((ka === 'int' && kb === 'uint') || (ka === 'uint' && kb === 'int')) return numeric(a) == numeric(b);
    if (a !== NO_VALUE && b !== NO_VALUE && a !== null && b !== null) throw new CallError(INCOMPATIBLE);
    return a === b;
  }
  if (ka === 'float') return numeric(a) === numeric(b);
  if (ka === 'other' && (a instanceof GoSlice || a instanceof GoMap)) throw new CallError(`non-comparable type ${goTypeName(a)}`);
  return a === b;
}

function less(a: GoValue, b: GoValue): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'bool' || ka === 'other' || kb === 'bool' || kb === 'other') throw new CallError('invalid type for comparison');
  const mixedInts = (ka === 'int' && kb === 'uint') || (ka === 'uint' && kb === 'int');
  if (ka !== kb && !mixedInts) throw new CallError(INCOMPATIBLE);
  return ka === 'string' ? (a as string) < (b as string) : numeric(a) < numeric(b);
}

function length(item: GoValue): number {
  if (typeof item === 'string') return Buffer.byteLength(item, 'utf8');
  if (item instanceof GoSlice) return item.items.length;
  if (item instanceof GoMap) return item.entries.size;
  if (item === null || item === NO_VALUE) throw new CallError('len of nil pointer');
  throw new CallError(`len of type ${goTypeName(item)}`);
}

function sliceIndex(index: GoValue, length: number): number {
  if (index === null || index === NO_VALUE) throw new CallError('cannot index slice/array with nil');
  if (typeof index !== 'number' && typeof index !== 'bigint') throw new CallError(`cannot index slice/array with type ${goTypeName(index)}`);
  if (index < 0 || index >= length) throw new CallError(`index out of range: ${index}`);
  return Number(index);
}

function index(item: GoValue, indexes: readonly GoValue[]): GoValue {
  if (item === null || item === NO_VALUE) throw new CallError('index of untyped nil');
  let current: GoValue = item;
  for (const key of indexes) {
    if (current instanceof GoSlice) {
      current = current.items[sliceIndex(key, current.items.length)]!;
    } else if (typeof current === 'string') {
      current = Buffer.from(current, 'utf8')[sliceIndex(key, Buffer.byteLength(current, 'utf8'))]!;
    } else if (current instanceof GoMap) {
      if (typeof key !== 'string') throw new CallError(`value has type ${goTypeName(key)}; should be string`);
      current = current.entries.get(key) ?? current.zero;
    } else {
      throw new CallError(`can't index item of type ${goTypeName(current)}`);
    }
  }
  return current;
}

const PREFIXES: Readonly<Record<string, number>> = { '0x': 16, '0o': 8, '0b': 2 };

/** strconv.ParseUint(s, base, bitSize), as CoreDNS registers it; its errors worded as Go's. */
export function parseUint(text: string, base: number, bitSize: number): bigint {
  const syntax = (): CallError => new CallError(`strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`);
  if (text === '') throw syntax();
  let digits = text;
  let radix = base;
  if (base === 0) {
    radix = 10;
    const prefix = PREFIXES[text.slice(0, 2).toLowerCase()];
    if (prefix !== undefined) {
      radix = prefix;
      digits = text.slice(2);
    } else if (text.length > 1 && text.startsWith('0')) {
      radix = 8;
      digits = text.slice(1);
    }
    // Underscores may only sit between digits (or after a base prefix), and only with base 0.
    if ((digits === text && digits.startsWith('_')) || /__|_$/.test(digits)) throw syntax();
    digits = digits.replaceAll('_', '');
  } else if (base < 2 || base > 36) {
    throw new CallError(`strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid base ${base}`);
  }
  const bits = bitSize === 0 ? 64 : bitSize;
  if (bits < 0 || bits > 64) throw new CallError(`strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid bit size ${bitSize}`);
  if (digits === '') throw syntax();
  let value = 0n;
  for (const c of digits.toLowerCase()) {
    const digit = Number.parseInt(c, 36);
    if (Number.isNaN(digit) || digit >= radix) throw syntax();
    value = value * BigInt(radix) + BigInt(digit);
  }
  if (value >= 1n << BigInt(bits)) throw new CallError(`strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`);
  return value;
}

const compare = (decide: (a: GoValue, b: GoValue) => boolean): GoFunction => ({ params: ['value', 'value'], call: ([a, b]) => decide(a!, b!) });

export const BUILTINS: ReadonlyMap<string, GoFunction> = new Map<string, GoFunction>([
  ['and', { params: ['value'], variadic: 'value', shortCircuit: true, call: (args) => args.find((arg) => !truth(arg)) ?? args.at(-1)! }],
  ['or', { params: ['value'], variadic: 'value', shortCircuit: true, call: (args) => args.find(truth) ?? args.at(-1)! }],
  ['not', { params: ['value'], call: ([arg]) => !truth(arg!) }],
  ['len', { params: ['value'], call: ([item]) => length(item!) }],
  ['index', { params: ['value'], variadic: 'value', call: ([item, ...indexes]) => index(item!, indexes) }],
  ['print', { params: [], variadic: 'any', call: sprint }],
  ['println', { params: [], variadic: 'any', call: sprintln }],
  ['printf', { params: ['string'], variadic: 'any', call: ([format, ...args]) => sprintf(format as string, args) }],
  [
    'eq',
    {
      params: ['value'],
      variadic: 'value',
      call: ([first, ...others]) => {
        if (others.length === 0) throw new CallError('missing argument for comparison');
        return others.some((other) => equal(first!, other));
      },
    },
  ],
  ['ne', compare((a, b) => !equal(a, b))],
  ['lt', compare(less)],
  ['le', compare((a, b) => less(a, b) || equal(a, b))],
  ['gt', compare((a, b) => !(less(a, b) || equal(a, b)))],
  ['ge', compare((a, b) => !less(a, b))],
  ['parseInt', { params: ['string', 'int', 'int'], call: ([text, base, bitSize]) => parseUint(text as string, base as number, bitSize as number) }],
]);

/** Go builtins clusterdns leaves out; a template naming one is refused when parsed, saying so. */
export const UNSUPPORTED_BUILTINS: ReadonlySet<string> = new Set(['html', 'js', 'urlquery', 'call', 'slice']);
