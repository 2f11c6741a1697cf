import { describe, expect, it } from 'vitest';
import { lex } from './lexer.ts';
import { CorefileError } from './types.ts';

const texts = (input: string) => lex(input, 'Corefile').map((token) => token.text);

describe('lex', () => {
  it('splits on whitespace and records each token line and whether it starts its line', () => {
    const tokens = lex('.:53 {\n\twhoami\n  log  .\n}\n', 'Corefile');
    expect(tokens.map((t) => [t.text, t.line, t.lineStart])).toEqual([
      ['.:53', 1, true],
      ['{', 1, false],
      ['whoami', 2, true],
      ['log', 3, true],
      ['.', 3, false],
      ['}', 4, true],
    ]);
    expect(tokens.every((t) => t.file === 'Corefile')).toBe(true);
  });

  it('drops comments, which start at # even inside a word', () => {
    expect(texts('# heading\nforward . 8.8.8.8 # upstream\nfoo#bar baz\nnext')).toEqual([
      'forward',
      '.',
      '8.8.8.8',
      'foo',
      'next',
    ]);
  });

  it('keeps quoted text whole, without the quotes, turning \\" into a quote and keeping other backslashes', () => {
    const tokens = lex('log "{remote} # not a comment" "say \\"hi\\"" "a\\nb" "end\\\\"', 'f');
    expect(tokens.map((t) => t.text)).toEqual(['log', '{remote} # not a comment', 'say "hi"', 'a\\nb', 'end\\\\']);
    expect(tokens.map((t) => t.quoted)).toEqual([false, true, true, true, true]);
  });

  it('lets a quoted token span lines: it keeps its first line and the next token on its last line continues that line', () => {
    const tokens = lex('a "one\ntwo" b\nc', 'f');
    expect(tokens.map((t) => [t.text, t.line, t.endLine, t.lineStart])).toEqual([
      ['a', 1, 1, true],
      ['one\ntwo', 1, 2, false],
      ['b', 2, 2, false],
      ['c', 3, 3, true],
    ]);
  });

  it('marks a quoted brace as quoted and starts a new token right after a closing quote', () => {
    const tokens = lex('x "{" "ab"cd', 'f');
    expect(tokens.map((t) => [t.text, t.quoted])).toEqual([
      ['x', false],
      ['{', true],
      ['ab', true],
      ['cd', false],
    ]);
  });

  it('treats a quote inside a word as an ordinary character', () => {
    expect(texts('ab"cd ef"')).toEqual(['ab"cd', 'ef"']);
  });

  it('skips a byte order mark and carriage returns', () => {
    const tokens = lex('\uFEFF.:53 {\r\n  whoami\r\n}\r\n', 'f');
    expect(tokens.map((t) => [t.text, t.line])).toEqual([
      ['.:53', 1],
      ['{', 1],
      ['whoami', 2],
      ['}', 3],
    ]);
  });

  it('rejects an unterminated quote, naming the line it opened on', () => {
    expect(() => lex('a\nb "open\nstill open', 'Corefile')).toThrow(CorefileError);
    expect(() => lex('a\nb "open\nstill open', 'Corefile')).toThrow(
      'Corefile:2 - Error during parsing: unterminated quoted string',
    );
  });

  it('returns nothing for empty input and comments only', () => {
    expect(lex('', 'f')).toEqual([]);
    expect(lex('  # only a comment\n\n', 'f')).toEqual([]);
  });
});
