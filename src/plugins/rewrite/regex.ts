import { compileGoPattern, GoPatternError, groupCount } from '../../toolkit/go-regex.ts';

export { MAX_PATTERN_LENGTH } from '../../toolkit/go-regex.ts';

/** A pattern or replacement rewrite refuses, worded as CoreDNS's rewrite words it. */
export class PatternError extends Error {
  readonly pattern: string;
  constructor(message: string, pattern: string) {
    super(message);
    this.name = 'PatternError';
    this.pattern = pattern;
  }
}

/** A Go pattern compiled (see toolkit/go-regex.ts); CoreDNS's rewrite words any refusal but the length's its own way. */
export function compileRulePattern(pattern: string): RegExp {
  try {
    return compileGoPattern(pattern);
  } catch (error) {
    if (!(error instanceof GoPatternError)) throw error;
    throw new PatternError(error.tooLong ? error.message : `invalid regex matching pattern: ${pattern}`, pattern);
  }
}

/** How many of `{0}`..`{100}` a replacement uses, as CoreDNS counts them. */
export function placeholderCount(replacement: string): number {
  let count = 0;
  for (let i = 0; i <= 100; i++) if (replacement.includes(`{${i}}`)) count++;
  return count;
}

/** CoreDNS's isValidRegexPattern: the pattern compiles and has a group for every placeholder. */
export function checkedPattern(pattern: string, replacement: string): RegExp {
  const compiled = compileRulePattern(pattern);
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
