import { RuleError } from './errors.ts';

/*
 * Numbers and hex data as CoreDNS reads a rule's arguments (Go's strconv.ParseUint and
 * encoding/hex), with the error texts CoreDNS then prints.
 */

function lower(c: string): string {
  return c.toLowerCase();
}

/** Go's underscoreOK: underscores only between digits (a base prefix counts as one). */
function underscoresPlaced(text: string): boolean {
  let saw = '^';
  let i = 0;
  let hex = false;
  if (text.length >= 2 && text[0] === '0' && 'box'.includes(lower(text[1]!))) {
    i = 2;
    saw = '0';
    hex = lower(text[1]!) === 'x';
  }
  for (; i < text.length; i++) {
    const c = text[i]!;
    if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/**
 * Go's strconv.ParseUint(text, base, bits) for base 10 or 0 (0: a `0x`, `0o`, `0b` or `0`
 * prefix picks the base, and underscores may separate digits). Throws RuleError with Go's text.
 */
export function parseGoUint(text: string, base: 0 | 10, bits: 16 | 32): number {
  const syntax = (): RuleError => new RuleError(`strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`);
  if (text === '') throw syntax();
  const max = 2 ** bits - 1;
  let radix = 10;
  let digits = text;
  if (base === 0 && text[0] === '0') {
    const marker = text.length >= 3 ? lower(text[1]!) : '';
    radix = marker === 'b' ? 2 : marker === 'x' ? 16 : 8;
    digits = marker === 'b' || marker === 'o' || marker === 'x' ? text.slice(2) : text.slice(1);
  }
  let value = 0;
  let underscores = false;
  for (const c of digits) {
    if (c === '_' && base === 0) {
      underscores = true;
      continue;
    }
    const digit = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : lower(c) >= 'a' && lower(c) <= 'z' ? lower(c).charCodeAt(0) - 87 : 99;
    if (digit >= radix) throw syntax();
    value = value * radix + digit;
    if (value > max) throw new RuleError(`strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`);
  }
  if (underscores && !underscoresPlaced(text)) throw syntax();
  return value;
}

/** Go's %#U of a byte read as a rune: `U+0067 'g'`, the character left out when it does not print. */
function describeByte(byte: number): string {
  const code = `U+${byte.toString(16).toUpperCase().padStart(4, '0')}`;
  const printable = (byte >= 0x20 && byte < 0x7f) || (byte >= 0xa1 && byte !== 0xad);
  return printable ? `${code} '${String.fromCharCode(byte)}'` : code;
}

function nibble(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}

/** Go's hex.DecodeString over the UTF-8 bytes of `text`, with its errors. */
export function decodeGoHex(text: string): Buffer {
  const source = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(source.length >> 1);
  const invalid = (byte: number): RuleError => new RuleError(`encoding/hex: invalid byte: ${describeByte(byte)}`);
  let j = 1;
  for (; j < source.length; j += 2) {
    const high = nibble(source[j - 1]!);
    const low = nibble(source[j]!);
    if (high < 0) throw invalid(source[j - 1]!);
    if (low < 0) throw invalid(source[j]!);
    out[(j - 1) >> 1] = (high << 4) | low;
  }
  if (source.length % 2 === 1) {
    if (nibble(source[j - 1]!) < 0) throw invalid(source[j - 1]!);
    throw new RuleError('encoding/hex: odd length hex string');
  }
  return out;
}
