import { RuleError } from './errors.ts';
import { compileRulePattern, expand, MAX_PATTERN_LENGTH, PatternError } from './regex.ts';
import type { CnameResponseRule, ResponseRule } from './response.ts';
import { NAME_MATCHES, normalize, type Mode, type NameMatch, type Rule } from './rules.ts';

/** The new target for `target` (CoreDNS form) under one kind of match, or null when it does not match. */
function retargeter(match: NameMatch, from: string, to: string, pattern: RegExp | null): (target: string) => string | null {
  switch (match) {
    case 'exact':
      return (target) => (target === from ? to : null);
    case 'prefix':
      return (target) => (target.startsWith(from) ? to + target.slice(from.length) : null);
    case 'suffix':
      return (target) => (target.endsWith(from) ? target.slice(0, target.length - from.length) + to : null);
    case 'substring':
      return (target) => (target.includes(from) ? target.replaceAll(from, to) : null);
    case 'regex':
      return (target) => expand(pattern as RegExp, to, target);
  }
}

function compileCnamePattern(from: string): RegExp {
  if (from.length > MAX_PATTERN_LENGTH) throw new RuleError(`regex pattern too long in a cname rule: ${from.length} > ${MAX_PATTERN_LENGTH}`);
  try {
    return compileRulePattern(from);
  } catch (error) {
    if (error instanceof PatternError) throw new RuleError(`invalid cname rewrite regex pattern: ${from}`);
    throw error;
  }
}

/**
 * `cname [MATCH] FROM TO` (CoreDNS's cname_target rule). It matches every query; in the response,
 * a CNAME whose target matches FROM points to the rewritten target instead, and the records after
 * the CNAME chain are replaced with the answer to the new target (reverter.ts asks it). FROM and
 * TO are lower-cased; only `exact` adds the trailing dot, so the others match targets as written
 * with theirs.
 */
export function newCnameRule(mode: Mode, args: readonly string[]): Rule {
  let match: string;
  let from: string;
  let to: string;
  if (args.length === 3) {
    match = args[0]!.toLowerCase();
    if (!NAME_MATCHES.includes(match)) throw new RuleError(`unknown cname rewrite type: ${match}`);
    [from, to] = [args[1]!.toLowerCase(), args[2]!.toLowerCase()];
  } else if (args.length === 2) {
    match = 'exact';
    [from, to] = [args[0]!.toLowerCase(), args[1]!.toLowerCase()];
  } else {
    throw new RuleError(`too few (${args.length}) arguments for a cname rule`);
  }
  if (match === 'exact') [from, to] = [normalize(from), normalize(to)];
  const pattern = match === 'regex' ? compileCnamePattern(from) : null;
  const response: CnameResponseRule = { kind: 'cname', retarget: retargeter(match as NameMatch, from, to, pattern) };
  // CoreDNS's rule does nothing with an empty FROM or TO (only a quoted "" can give one).
  const responses: readonly ResponseRule[] | null = from === '' || to === '' ? null : Object.freeze([response]);
  return { mode, apply: () => responses };
}
