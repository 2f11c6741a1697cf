import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { argCount, blockDirectives, boolFlag, parseDurationArg, unknownProperty } from '../../toolkit/args.ts';

export const CONSOLIDATE_LEVELS = ['warning', 'error', 'info', 'debug'] as const;
export type ConsolidateLevel = (typeof CONSOLIDATE_LEVELS)[number];

/** `consolidate DURATION REGEXP [LEVEL] [show_first]`: matching errors are counted, then summarized. */
export interface ConsolidateRule {
  readonly periodMs: number;
  readonly pattern: RegExp;
  /** The pattern as written, for the summary line (RegExp.source escapes slashes). */
  readonly source: string;
  readonly level: ConsolidateLevel;
  readonly showFirst: boolean;
}

export interface ErrorsOptions {
  /** Log the error's stack with its line (CoreDNS logs panics' stacks with it). */
  readonly stacktrace: boolean;
  readonly consolidate: readonly ConsolidateRule[];
}

/** CoreDNS's bound on patterns, against costly compilation of hostile input. */
const MAX_PATTERN_LENGTH = 10_000;
const levels = new Set<string>(CONSOLIDATE_LEVELS);

function fail(token: Token, message: string): CorefileError {
  return new CorefileError(token.file, token.line, message, 'errors');
}

function parsePattern(token: Token): RegExp {
  if (token.text.length > MAX_PATTERN_LENGTH) {
    throw fail(token, `regex pattern too long: ${token.text.length} > ${MAX_PATTERN_LENGTH}`);
  }
  try {
    return new RegExp(token.text);
  } catch (error) {
    throw fail(token, (error as Error).message);
  }
}

function parseConsolidate(line: Directive): ConsolidateRule {
  argCount(line, 2, 4);
  const [period, pattern, ...extra] = line.args as [Token, Token, ...Token[]];
  let level: ConsolidateLevel | null = null;
  let showFirst = false;
  for (const arg of extra) {
    if (levels.has(arg.text)) {
      if (level !== null) throw fail(arg, 'multiple log levels specified in consolidate');
      if (showFirst) throw fail(arg, 'log level must come before show_first in consolidate');
      level = arg.text as ConsolidateLevel;
    } else if (arg.text === 'show_first') {
      showFirst = true;
    } else {
      throw fail(arg, `unknown option in consolidate: ${arg.text}`);
    }
  }
  return {
    periodMs: parseDurationArg(period, { name: 'errors' }),
    pattern: parsePattern(pattern),
    source: pattern.text,
    level: level ?? 'error',
    showFirst,
  };
}

/** `errors [stdout] { stacktrace; consolidate ... }`, as CoreDNS reads it. */
export function parseErrors(directive: Directive): ErrorsOptions {
  argCount(directive, 0, 1);
  const target = directive.args[0];
  if (target && target.text !== 'stdout') throw fail(target, `invalid log file: ${target.text}`);
  let stacktrace = false;
  const consolidate: ConsolidateRule[] = [];
  for (const line of blockDirectives(directive)) {
    if (line.name.text === 'stacktrace') {
      stacktrace = boolFlag(line);
    } else if (line.name.text === 'consolidate') {
      consolidate.push(parseConsolidate(line));
    } else {
      throw unknownProperty(line, directive);
    }
  }
  return { stacktrace, consolidate };
}
