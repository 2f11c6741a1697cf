// The lexer of Go's text/template (text/template/parse/lex.go) for the default `{{ }}`
// delimiters: text and actions, trim markers (`{{- ` and ` -}}`), comments (`{{/* ... */}}`),
// and the items inside actions. The whole text is lexed up front; the parser walks the array.

export type ItemKind =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'identifier'
  | 'keyword'
  | 'field'
  | 'dot'
  | 'variable'
  | 'string'
  | 'rawString'
  | 'number'
  | 'charConstant'
  | 'bool'
  | 'nil'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'char'
  | 'eof';

export interface Item {
  readonly kind: ItemKind;
  readonly value: string;
  /** Offset in the template text, for Go's `name:line:column` error positions (Go counts bytes, this UTF-16 units). */
  readonly pos: number;
}

/** A template text that does not lex, with where: `template: answer:1: unclosed action`. */
export class LexError extends Error {
  readonly pos: number;
  constructor(message: string, pos: number) {
    super(message);
    this.name = 'LexError';
    this.pos = pos;
  }
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);
const LEFT = '{{';
const RIGHT = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isAlphaNumeric(c: string | undefined): boolean {
  return c !== undefined && (c === '_' || /\p{L}|\p{Nd}/u.test(c));
}

/** The end of a trimmed text: its trailing white space cut off. */
function trimRight(text: string): string {
  let end = text.length;
  while (end > 0 && isSpace(text[end - 1])) end--;
  return text.slice(0, end);
}

/** Every item of `text`, ending with `eof`; throws LexError. */
export function lex(text: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  /** After a right delimiter with a trim marker, the next text starts past the white space. */
  let trimNext = false;
  while (pos < text.length) {
    let start = pos;
    if (trimNext) while (start < text.length && isSpace(text[start])) start++;
    const open = text.indexOf(LEFT, start);
    const textEnd = open < 0 ? text.length : open;
    const trimsLeft = open >= 0 && text[open + 2] === '-' && isSpace(text[open + 3]);
    const body = text.slice(start, textEnd);
    const kept = trimsLeft ? trimRight(body) : body;
    if (kept.length > 0) items.push({ kind: 'text', value: kept, pos: start });
    if (open < 0) break;
    ({ end: pos, trimNext } = lexAction(text, open, trimsLeft, items));
  }
  items.push({ kind: 'eof', value: '', pos: text.length });
  return items;
}

/** The length of the right delimiter at `pos`: 4 with its trim marker (` -}}`), 2 without, 0 when none is there. */
function rightDelimAt(text: string, pos: number): number {
  if (text.startsWith(` -${RIGHT}`, pos)) return 4;
  return text.startsWith(RIGHT, pos) ? 2 : 0;
}

/** Lexes one action (or comment) from its `{{` at `open`: where it ends, and whether it trims the text after it. */
function lexAction(text: string, open: number, trimsLeft: boolean, items: Item[]): { end: number; trimNext: boolean } {
  let pos = open + 2 + (trimsLeft ? 2 : 0);
  if (text.startsWith(LEFT_COMMENT, pos)) {
    const close = text.indexOf(RIGHT_COMMENT, pos + 2);
    if (close < 0) throw new LexError('unclosed comment', open);
    const delim = rightDelimAt(text, close + 2);
    if (delim === 0) throw new LexError('comment ends before closing delimiter', open);
    return { end: close + 2 + delim, trimNext: delim === 4 };
  }
  items.push({ kind: 'leftDelim', value: LEFT, pos: open });
  const emit = (kind: ItemKind, start: number, end: number): void => {
    items.push({ kind, value: text.slice(start, end), pos: start });
  };
  let parenDepth = 0;
  for (;;) {
    const delim = rightDelimAt(text, pos);
    if (delim > 0 && parenDepth === 0) {
      items.push({ kind: 'rightDelim', value: RIGHT, pos: pos + delim - 2 });
      return { end: pos + delim, trimNext: delim === 4 };
    }
    const c = text[pos];
    if (c === undefined) throw new LexError('unclosed action', open);
    const start = pos;
    if (isSpace(c)) {
      // A space may begin the trim-marked delimiter: stop there.
      while (isSpace(text[pos]) && rightDelimAt(text, pos) !== 4) pos++;
      if (pos === start) pos++;
      emit('space', start, pos);
    } else if (c === '=') {
      emit('assign', start, ++pos);
    } else if (c === ':') {
      if (text[pos + 1] !== '=') throw new LexError('expected :=', pos);
      pos += 2;
      emit('declare', start, pos);
    } else if (c === '|') {
      emit('pipe', start, ++pos);
    } else if (c === '"') {
      pos = quoted(text, pos, '"', 'unterminated quoted string');
      emit('string', start, pos);
    } else if (c === '`') {
      const close = text.indexOf('`', pos + 1);
      if (close < 0) throw new LexError('unterminated raw quoted string', start);
      pos = close + 1;
      emit('rawString', start, pos);
    } else if (c === "'") {
      pos = quoted(text, pos, "'", 'unterminated character constant');
      emit('charConstant', start, pos);
    } else if (c === '$') {
      pos++;
      while (isAlphaNumeric(text[pos])) pos++;
      emit('variable', start, pos);
    } else if (c === '.' && !/[0-9]/.test(text[pos + 1] ?? '')) {
      pos++;
      while (isAlphaNumeric(text[pos])) pos++;
      emit(pos === start + 1 ? 'dot' : 'field', start, pos);
    } else if (c === '+' || c === '-' || c === '.' || /[0-9]/.test(c)) {
      pos = number(text, pos);
      emit('number', start, pos);
    } else if (isAlphaNumeric(c)) {
      while (isAlphaNumeric(text[pos])) pos++;
      const word = text.slice(start, pos);
      if (!atTerminator(text, pos)) throw new LexError(`bad character ${JSON.stringify(text[pos])}`, pos);
      emit(KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'identifier', start, pos);
    } else if (c === '(') {
      parenDepth++;
      emit('leftParen', start, ++pos);
    } else if (c === ')') {
      if (--parenDepth < 0) throw new LexError('unexpected right paren', pos);
      emit('rightParen', start, ++pos);
    } else if (c.charCodeAt(0) < 0x7f && c.charCodeAt(0) >= 0x20) {
      emit('char', start, ++pos);
    } else {
      throw new LexError(`unrecognized character in action: ${JSON.stringify(c)}`, pos);
    }
  }
}

/** What may follow an identifier: Go's atTerminator. */
function atTerminator(text: string, pos: number): boolean {
  const c = text[pos];
  return c === undefined || isSpace(c) || '.,|:()'.includes(c) || text.startsWith(RIGHT, pos);
}

function quoted(text: string, pos: number, quote: string, unterminated: string): number {
  let at = pos + 1;
  for (;;) {
    const c = text[at];
    if (c === undefined || c === '\n') throw new LexError(unterminated, pos);
    if (c === '\\') at += 2;
    else if (c === quote) return at + 1;
    else at++;
  }
}

/** Go's scanNumber: sign, base prefix, digits with underscores, fraction, exponent; a letter after it is an error. */
function number(text: string, pos: number): number {
  const match = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[oObB][0-9_]+|[0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?)i?/.exec(text.slice(pos));
  const end = pos + (match?.[0].length ?? 0);
  if (!/[0-9]/.test(text.slice(pos, end)) || isAlphaNumeric(text[end])) throw new LexError(`bad number syntax: ${JSON.stringify(text.slice(pos, end + 1))}`, pos);
  return end;
}
