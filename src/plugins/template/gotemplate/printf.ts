import { formatFloat, formatValue, GoFloat, GoMap, GoSlice, GoStruct, goTypeName, type GoValue } from './values.ts';

// fmt.Sprintf for the `printf` builtin: verbs v s q d x X o O b c t e f g, flags `+ - # 0`,
// width and precision. Misuse prints as fmt prints it: `%!d(string=abc)`, `%!d(MISSING)`,
// `%!(EXTRA int=1)`.

interface Spec {
  readonly plus: boolean;
  readonly minus: boolean;
  readonly sharp: boolean;
  readonly zero: boolean;
  readonly width: number | null;
  readonly precision: number | null;
  readonly verb: string;
}

function badVerb(verb: string, value: GoValue): string {
  return value === null ? `%!${verb}(<nil>)` : `%!${verb}(${goTypeName(value)}=${formatValue(value)})`;
}

function pad(text: string, spec: Spec, numeric: boolean): string {
  if (spec.width === null || text.length >= spec.width) return text;
  const fill = spec.width - text.length;
  if (spec.minus) return text + ' '.repeat(fill);
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(text) ? text[0]! : '';
    const prefix = /^[+-]?0[xXbBoO]/.exec(text)?.[0] ?? sign;
    return prefix + '0'.repeat(fill) + text.slice(prefix.length);
  }
  return ' '.repeat(fill) + text;
}

function integer(value: bigint, spec: Spec): string {
  const radix = { d: 10, x: 16, X: 16, o: 8, O: 8, b: 2 }[spec.verb] ?? 10;
  let digits = (value < 0n ? -value : value).toString(radix);
  if (spec.verb === 'X') digits = digits.toUpperCase();
  if (spec.precision !== null) digits = digits.padStart(spec.precision, '0');
  const prefix = spec.verb === 'O' || (spec.sharp && spec.verb === 'o') ? '0o' : spec.sharp ? { x: '0x', X: '0X', b: '0b' }[spec.verb] ?? '' : '';
  const sign = value < 0n ? '-' : spec.plus ? '+' : '';
  return sign + prefix + digits;
}

function float(value: number, spec: Spec): string {
  const sign = value < 0 || Object.is(value, -0) ? '-' : spec.plus ? '+' : '';
  const magnitude = Math.abs(value);
  const withExponent = (text: string): string => text.replace(/e([+-])(\d)$/, 'e$10$2');
  switch (spec.verb) {
    case 'f':
      return sign + magnitude.toFixed(spec.precision ?? 6);
    case 'e':
      return sign + withExponent(magnitude.toExponential(spec.precision ?? 6));
    default:
      return spec.precision === null ? sign + formatFloat(magnitude) : sign + withExponent(magnitude.toPrecision(spec.precision || 1)).replace(/\.?0+(?=e|$)/, '');
  }
}

/** One verb applied to one value; slices and maps take it element by element, as fmt does. */
function formatOne(spec: Spec, value: GoValue): string {
  const verb = spec.verb;
  if (value instanceof GoSlice && verb !== 'v') return `[${value.items.map((item) => formatOne({ ...spec, width: null }, item)).join(' ')}]`;
  if (value instanceof GoMap && verb !== 'v') {
    const keys = [...value.entries.keys()].sort();
    return `map[${keys.map((key) => `${formatOne(spec, key)}:${formatOne(spec, value.entries.get(key)!)}`).join(' ')}]`;
  }
  const asInteger = typeof value === 'number' ? BigInt(value) : typeof value === 'bigint' ? value : null;
  switch (verb) {
    case 'v':
      if (asInteger !== null && spec.plus) return pad(integer(asInteger, { ...spec, verb: 'd' }), spec, true);
      return pad(formatValue(value), spec, typeof value === 'number' || typeof value === 'bigint' || value instanceof GoFloat);
    case 's':
      if (typeof value === 'string') return pad(spec.precision === null ? value : [...value].slice(0, spec.precision).join(''), spec, false);
      if (value instanceof GoStruct && value.text() !== null) return pad(value.text()!, spec, false);
      return badVerb(verb, value);
    case 'q':
      if (typeof value === 'string') return pad(JSON.stringify(value), spec, false);
      if (asInteger !== null) return pad(`'${String.fromCodePoint(Number(asInteger))}'`, spec, false);
      return badVerb(verb, value);
    case 'd':
    case 'o':
    case 'O':
    case 'b':
      return asInteger === null ? badVerb(verb, value) : pad(integer(asInteger, spec), spec, true);
    case 'x':
    case 'X':
      if (typeof value === 'string') {
        const hex = Buffer.from(value, 'utf8').toString('hex');
        return pad((spec.sharp ? (verb === 'x' ? '0x' : '0X') : '') + (verb === 'X' ? hex.toUpperCase() : hex), spec, false);
      }
      return asInteger === null ? badVerb(verb, value) : pad(integer(asInteger, spec), spec, true);
    case 'c':
      return asInteger === null ? badVerb(verb, value) : pad(String.fromCodePoint(Number(asInteger)), spec, false);
    case 't':
      return typeof value === 'boolean' ? pad(String(value), spec, false) : badVerb(verb, value);
    case 'e':
    case 'f':
    case 'g':
      return value instanceof GoFloat ? pad(float(value.value, spec), spec, true) : badVerb(verb, value);
    default:
      return badVerb(verb, value);
  }
}

const MAX_WIDTH = 1e6;
const SPEC = /%([+\-# 0]*)(\d+)?(?:\.(\d*))?(.?)/y;

export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < format.length; ) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    SPEC.lastIndex = percent;
    const match = SPEC.exec(format)!;
    i = SPEC.lastIndex;
    const [, flags = '', width, precision, verb = ''] = match;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (verb === '') {
      out += '%!(NOVERB)';
      continue;
    }
    // fmt refuses widths and precisions over a million, as this keeps a template from asking for gigabytes.
    if (Number(width ?? 0) > MAX_WIDTH || Number(precision || 0) > MAX_WIDTH) {
      out += Number(width ?? 0) > MAX_WIDTH ? '%!(BADWIDTH)' : '%!(BADPREC)';
      continue;
    }
    const spec: Spec = {
      plus: flags.includes('+'),
      minus: flags.includes('-'),
      sharp: flags.includes('#'),
      zero: flags.includes('0') && !flags.includes('-'),
      width: width === undefined ? null : Number(width),
      precision: precision === undefined ? null : Number(precision || 0),
      verb,
    };
    out += next < args.length ? formatOne(spec, args[next++]!) : `%!${verb}(MISSING)`;
  }
  if (next < args.length) out += `%!(EXTRA ${args.slice(next).map((arg) => (arg === null ? '<nil>' : `${goTypeName(arg)}=${formatValue(arg)}`)).join(', ')})`;
  return out;
}

/** fmt.Sprint: operands separated by a space where neither side is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg);
  });
  return out;
}

/** fmt.Sprintln: operands always separated by a space, and a newline after. */
export function sprintln(args: readonly GoValue[]): string {
  return `${args.map(formatValue).join(' ')}\n`;
}
