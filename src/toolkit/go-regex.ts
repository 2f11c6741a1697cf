/*
 * Go (RE2) patterns, as Corefiles write them for CoreDNS's regexp.Compile, turned into JavaScript
 * RegExps. The two engines agree on most syntax; what differs is translated here, and what Go
 * refuses (look-arounds, back-references) is refused too, so a Corefile CoreDNS rejects is not
 * silently accepted. JavaScript's engine backtracks where RE2 does not: a pattern with nested
 * quantifiers can be slow on long names.
 */

/** CoreDNS refuses longer patterns so that compiling one cannot exhaust memory. */
export const MAX_PATTERN_LENGTH = 10000;

export class GoPatternError extends Error {
  readonly pattern: string;
  /** Refused for its length alone (CoreDNS words that error the same in every plugin). */
  readonly tooLong: boolean;
  constructor(message: string, pattern: string, tooLong = false) {
    super(message);
    this.name = 'GoPatternError';
    this.pattern = pattern;
    this.tooLong = tooLong;
  }
}

/** RE2's ASCII classes ([[:alpha:]]) as JavaScript class ranges. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Flags a leading `(?flags)` may set, by their JavaScript letter; RE2's `U` (ungreedy) has none. */
const LEADING_FLAGS = /^\(\?([ims]+)\)/;

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** What RE2 itself refuses, worded as Go's regexp/syntax words it. */
function unsupported(pattern: string, what: string): GoPatternError {
  return new GoPatternError(`error parsing regexp: invalid or unsupported Perl syntax: \`${what}\``, pattern);
}

/** What RE2 accepts but this translation does not carry over to JavaScript. */
function untranslated(pattern: string, what: string): GoPatternError {
  return new GoPatternError(`error parsing regexp: clusterdns does not support \`${what}\``, pattern);
}

/** The JavaScript source of a Go pattern (without its leading flag group). */
function translate(pattern: string, body: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const next = body[i + 1];
      if (next === undefined) throw new GoPatternError('error parsing regexp: trailing backslash at end of expression: ``', pattern);
      i++;
      if (inClass) {
        out += `\\${next}`;
      } else if (next === 'A') {
        out += '(?<![\\s\\S])';
      } else if (next === 'z') {
        out += '(?![\\s\\S])';
      } else if (next === 'Q') {
        const end = body.indexOf('\\E', i + 1);
        out += escapeLiteral(body.slice(i + 1, end < 0 ? body.length : end));
        i = end < 0 ? body.length : end + 1;
      } else if (next === 'x' && body[i + 1] === '{') {
        const hex = /^\{([0-9a-fA-F]{1,4})\}/.exec(body.slice(i + 1));
        if (hex === null) throw untranslated(pattern, body.slice(i - 1, body.indexOf('}', i) + 1 || body.length));
        out += `\\u${hex[1]!.padStart(4, '0')}`;
        i += hex[0].length;
      } else if (next === 'p' || next === 'P') {
        throw untranslated(pattern, `\\${next}`);
      } else if (/[1-9kC]/.test(next)) {
        throw new GoPatternError(`error parsing regexp: invalid escape sequence: \`\\${next}\``, pattern);
      } else {
        out += `\\${next}`;
      }
      continue;
    }
    if (inClass) {
      if (c === '[' && body[i + 1] === ':') {
        const close = body.indexOf(':]', i + 2);
        const name = close < 0 ? undefined : body.slice(i + 2, close);
        const ranges = name === undefined ? undefined : POSIX_CLASSES[name];
        if (ranges !== undefined) {
          out += ranges;
          i = close + 1;
          continue;
        }
        if (name !== undefined && name.startsWith('^')) throw untranslated(pattern, `[:${name}:]`);
      }
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A `]` (after an optional `^`) first in a class is a literal in RE2.
      if (body[i + 1] === '^') out += body[++i];
      if (body[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && body[i + 1] === '?') {
      const rest = body.slice(i);
      if (rest.startsWith('(?P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (/^\(\?(=|!|<=|<!)/.test(rest)) throw unsupported(pattern, rest.slice(0, rest[2] === '<' ? 4 : 3));
      const flags = /^\(\?([a-zA-Z-]*)([:)])/.exec(rest);
      // JavaScript has scoped flag groups `(?i:...)` but no flags that run to the group's end.
      if (flags !== null && (flags[2] === ')' || flags[1]!.includes('U'))) throw untranslated(pattern, flags[0]);
    }
    out += c;
  }
  return out;
}

/**
 * A Go pattern as a JavaScript RegExp: `(?P<name>` named groups, a leading `(?i)`, `(?s)` or
 * `(?m)` (or several: `(?is)`), `\A`, `\z`, `\Q...\E` and `[[:alpha:]]` classes translated.
 * Throws GoPatternError for a pattern over MAX_PATTERN_LENGTH, for what RE2 refuses
 * (look-arounds, back-references) and for what clusterdns does not translate (`\p` classes,
 * flag groups after the start, `U`).
 */
export function compileGoPattern(pattern: string): RegExp {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new GoPatternError(`regex pattern too long: ${pattern.length} > ${MAX_PATTERN_LENGTH}`, pattern, true);
  }
  const leading = LEADING_FLAGS.exec(pattern);
  const flags = leading === null ? '' : [...new Set(leading[1]!)].join('');
  const source = translate(pattern, leading === null ? pattern : pattern.slice(leading[0].length));
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new GoPatternError(`error parsing regexp: ${(error as Error).message}`, pattern);
  }
}

/** How many capture groups a pattern has (Go's NumSubexp). */
export function groupCount(pattern: RegExp): number {
  return (new RegExp(`${pattern.source}|`, pattern.flags).exec('') as RegExpExecArray).length - 1;
}
