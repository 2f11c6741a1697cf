// The values a template works on, standing in for Go's: a JavaScript number is a Go int, a bigint
// a uint64 (what parseInt returns), GoFloat a float64, null an untyped nil, NO_VALUE what Go's
// reflect calls an invalid value (a map's missing key, which prints as `<no value>`).

export const NO_VALUE: unique symbol = Symbol('no value');

export class GoFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export class GoSlice {
  readonly elementType: string;
  readonly items: readonly GoValue[];
  constructor(elementType: string, items: readonly GoValue[]) {
    this.elementType = elementType;
    this.items = items;
  }
}

/** A map with string keys; a missing key is its value type's zero value to `index`. */
export class GoMap {
  readonly valueType: string;
  readonly entries: ReadonlyMap<string, GoValue>;
  readonly zero: GoValue;
  constructor(valueType: string, entries: ReadonlyMap<string, GoValue>, zero: GoValue) {
    this.valueType = valueType;
    this.entries = entries;
    this.zero = zero;
  }
}

/**
 * The kinds of parameter a function or method takes, as far as templates tell them apart: Go's
 * string, int, interface{} (`any`: a missing value arrives as nil) and reflect.Value (`value`,
 * the builtins': a missing value arrives as it is).
 */
export type ParamKind = 'string' | 'int' | 'any' | 'value';

export interface GoMethod {
  readonly params: readonly ParamKind[];
  call(args: readonly GoValue[]): GoValue;
}

/** A Go struct (or pointer to one): its exported fields and methods by name. */
export abstract class GoStruct {
  abstract readonly typeName: string;
  /** The field's value; undefined when the struct has no such exported field. */
  abstract field(name: string): GoValue | undefined;
  method(_name: string): GoMethod | undefined {
    return undefined;
  }
  /** Whether `name` is a field Go would call unexported. */
  unexported(_name: string): boolean {
    return false;
  }
  /** What fmt prints for it; null where clusterdns does not print the value whole. */
  abstract text(): string | null;
}

export type GoValue = string | number | bigint | boolean | null | typeof NO_VALUE | GoFloat | GoSlice | GoMap | GoStruct;

/** The Go type name of a value, as errors name it. */
export function goTypeName(value: GoValue): string {
  if (value === null) return 'nil';
  if (value === NO_VALUE) return 'invalid value';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'int';
    case 'bigint':
      return 'uint64';
    case 'boolean':
      return 'bool';
  }
  if (value instanceof GoFloat) return 'float64';
  if (value instanceof GoSlice) return `[]${value.elementType}`;
  if (value instanceof GoMap) return `map[string]${value.valueType}`;
  return value.typeName;
}

/** strconv's shortest 'g' form, as fmt's %v prints a float64: an exponent below 1e-4 and from 1e6 on (`1e+06`). */
export function formatFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/** fmt's %v. */
export function formatValue(value: GoValue): string {
  if (value === null) return '<nil>';
  if (value === NO_VALUE) return '<no value>';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
  }
  if (value instanceof GoFloat) return formatFloat(value.value);
  if (value instanceof GoSlice) return `[${value.items.map(formatValue).join(' ')}]`;
  if (value instanceof GoMap) {
    const keys = [...value.entries.keys()].sort();
    return `map[${keys.map((key) => `${key}:${formatValue(value.entries.get(key)!)}`).join(' ')}]`;
  }
  return value.text() ?? `{${value.typeName}}`;
}

/** Go's isTrue for `if`, `and`, `or`, `not`: empty and zero values are false. */
export function truth(value: GoValue): boolean {
  if (value === null || value === NO_VALUE) return false;
  switch (typeof value) {
    case 'string':
      return value.length > 0;
    case 'number':
      return value !== 0;
    case 'bigint':
      return value !== 0n;
    case 'boolean':
      return value;
  }
  if (value instanceof GoFloat) return value.value !== 0;
  if (value instanceof GoSlice) return value.items.length > 0;
  if (value instanceof GoMap) return value.entries.size > 0;
  return true;
}
