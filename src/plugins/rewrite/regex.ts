/** CoreDNS refuses longer patterns so that compiling one cannot exhaust memory. */
export const MAX_PATTERN_LENGTH = 10000;

export class PatternError extends Error {
  readonly pattern: string;
  constructor(message: string, pattern: string) {
    super(message);
    this.name = 'PatternError';
    this.pattern = pattern;
  }
}

/**
 * A Go (RE2) pattern as a JavaScript RegExp. The two agree on the syntax rewrite rules use;
 * Go's `(?P<name>`, `\A`, `\z` and a leading `(?i)` are translated, anything else is taken as
 * JavaScript reads it.
 */
export function compileGoPattern(pattern: string): RegExp {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(`regex pattern too long: ${pattern.length} > ${MAX_PATTERN_LENGTH}`, pattern);
  }
  let source = pattern.replaceAll('(?P<', '(?<').replaceAll('\\A', '^').replaceAll('\\z', '$');
  let flags = '';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  try {
    return new RegExp(source, flags);
  } catch {
    throw new PatternError(`invalid regex matching pattern: ${pattern}`, pattern);
  }
}

/** How many capture groups a pattern has (Go's NumSubexp). */
export function groupCount(pattern: RegExp): number {
  return (new RegExp(`${pattern.source}|`, pattern.flags).exec('') as RegExpExecArray).length - 1;
}

/** How many of `{0}`..`{100}` a replacement uses, as CoreDNS counts them. */
export function placeholderCount(replacement: string): number {
  let count = 0;
  for (let i = 0; i <= 100; i++) if (replacement.includes(`{${i}}`)) count++;
  return count;
}

/** CoreDNS's isValidRegexPattern: the pattern compiles and has a group for every placeholder. */
export function checkedPattern(pattern: string, replacement: string): RegExp {
  const compiled = compileGoPattern(pattern);
  if (placeholderCount(replacement) > groupCount(compiled)) {
    throw new PatternError(
      `the rewrite regex pattern (${replacement}) uses more subexpressions than its corresponding matching regex pattern (${pattern})`,
      pattern,
    );
  }
  return compiled;
}

/** `replacement` with `{i}` set to group i of the first match in `text`; null when it does not match. */
export function expand(pattern: RegExp, replacement: string, text: string): string | null {
  const match = pattern.exec(text);
  if (match === null) return null;
  let out = replacement;
  for (let i = 0; i < match.length; i++) out = out.replaceAll(`{${i}}`, match[i] ?? '');
  return out;
}
