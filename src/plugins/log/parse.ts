import { CorefileError, type Directive } from '../../corefile/types.ts';
import { normalizeName } from '../../dns/names.ts';
import type { DomainName } from '../../dns/types.ts';
import { argCount, blockDirectives, unknownProperty } from '../../toolkit/args.ts';
import { LOG_CLASSES, type LogClass } from './classify.ts';
import { COMBINED_LOG_FORMAT, COMMON_LOG_FORMAT, compileFormat, type FormatPart } from './format.ts';

export interface LogRule {
  /** Queries for this name or below are logged by this rule. */
  readonly scope: DomainName;
  readonly format: readonly FormatPart[];
  /** Contains 'all' when no class was chosen. */
  readonly classes: ReadonlySet<LogClass>;
}

export interface LogOptions {
  readonly rules: readonly LogRule[];
}

const logClasses = new Set<string>(LOG_CLASSES);

function parseClasses(directive: Directive): Set<LogClass> {
  const classes = new Set<LogClass>();
  for (const line of blockDirectives(directive)) {
    if (line.name.text !== 'class') throw unknownProperty(line, directive);
    argCount(line, 1);
    for (const arg of line.args) {
      if (!logClasses.has(arg.text)) throw new CorefileError(arg.file, arg.line, `invalid Class: ${arg.text}`, 'log');
      classes.add(arg.text as LogClass);
    }
  }
  if (classes.size === 0) classes.add('all');
  return classes;
}

/**
 * `log [NAMES...] [FORMAT] { class CLASSES... }` as CoreDNS reads it: no argument logs everything,
 * one argument is always a name, and with more the last is the format when it holds a `{`.
 */
export function parseLog(directive: Directive): LogOptions {
  let args = directive.args.map((token) => token.text);
  let format = COMMON_LOG_FORMAT;
  if (args.length === 0) args = ['.'];
  else if (args.length > 1 && args.at(-1)!.includes('{')) {
    format = args.at(-1)!.replaceAll('{common}', COMMON_LOG_FORMAT).replaceAll('{combined}', COMBINED_LOG_FORMAT);
    args = args.slice(0, -1);
  }
  const compiled = compileFormat(format);
  const classes = parseClasses(directive);
  return { rules: args.map((name) => ({ scope: normalizeName(name), format: compiled, classes })) };
}
