import { CorefileError, type Token } from './types.ts';

/** A token as lexed, before environment substitution, with what the parser needs to see lines. */
export interface LexToken extends Token {
  /** The line the token ends on: a quoted token may span lines. */
  readonly endLine: number;
  /** True when the token is the first of its line (after the previous token's last line). */
  readonly lineStart: boolean;
}

const BYTE_ORDER_MARK = 0xfeff;

function isSpace(code: number): boolean {
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return true;
  if (code < 0x80) return false;
  return code !== BYTE_ORDER_MARK && /\s/.test(String.fromCharCode(code));
}

/**
 * Splits Corefile text into tokens as caddy's lexer does: whitespace separates tokens; `#` starts
 * a comment to the end of the line, even in the middle of a word; a `"` at the start of a token
 * quotes it up to the next unescaped `"`, across lines, where `\"` is a quote and any other
 * backslash is kept as written. Unlike caddy, an unterminated quote is an error rather than a
 * silently truncated token.
 */
export function lex(text: string, file: string): LexToken[] {
  const tokens: LexToken[] = [];
  const length = text.length;
  let i = text.charCodeAt(0) === BYTE_ORDER_MARK ? 1 : 0;
  let line = 1;
  let previousEndLine = 0;

  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) {
      line++;
      i++;
      continue;
    }
    if (isSpace(code)) {
      i++;
      continue;
    }
    if (code === 0x23 /* # */) {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? length : newline;
      continue;
    }

    const startLine = line;
    let value: string;
    const quoted = code === 0x22; /* " */
    if (quoted) {
      i++;
      let closed = false;
      let out = '';
      while (i < length) {
        const c = text[i];
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < length) {
          const escaped = text[i + 1];
          out += escaped === '"' ? '"' : `\\${escaped}`;
          if (escaped === '\n') line++;
          i += 2;
          continue;
        }
        if (c === '\n') line++;
        out += c;
        i++;
      }
      if (!closed) throw new CorefileError(file, startLine, 'unterminated quoted string');
      value = out;
    } else {
      const start = i;
      while (i < length) {
        const c = text.charCodeAt(i);
        if (isSpace(c) || c === 0x23) break;
        i++;
      }
      value = text.slice(start, i);
    }

    tokens.push({ text: value, file, line: startLine, quoted, endLine: line, lineStart: startLine > previousEndLine });
    previousEndLine = line;
  }
  return tokens;
}
