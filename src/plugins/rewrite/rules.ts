import { toFqdn } from '../../dns/names.ts';
import { RuleError } from './errors.ts';
import { compileRulePattern, expand, MAX_PATTERN_LENGTH, PatternError } from './regex.ts';
import { remapRewriter, suffixRewriter, regexRewriter, type NameResponseRule, type ResponseRule } from './response.ts';
import type { RewriteState } from './state.ts';

export type Mode = 'stop' | 'continue';

/**
 * One rewrite rule, as CoreDNS's Rule. `apply` rewrites what `state` holds when the rule matches
 * and returns the response rules the match calls for (possibly none); it returns null when the
 * rule does not match. Only a rule that matched can end the rule list (`stop`).
 */
export interface Rule {
  readonly mode: Mode;
  apply(state: RewriteState): readonly ResponseRule[] | null;
}

export const NONE: readonly ResponseRule[] = Object.freeze([]);

export type NameMatch = 'exact' | 'prefix' | 'suffix' | 'substring' | 'regex';

export const NAME_MATCHES: readonly string[] = ['exact', 'prefix', 'suffix', 'substring', 'regex'];

export interface NameRuleSpec {
  readonly mode: Mode;
  readonly match: NameMatch;
  /** The name, prefix, suffix or substring in CoreDNS's form, or the pattern source for regex. */
  readonly from: string;
  readonly to: string;
  /** For regex. */
  readonly pattern: RegExp | null;
  /** `answer auto`: undo the question's rewrite in the response names and values. */
  readonly auto: boolean;
  /** `answer name|value FROM TO` rules. */
  readonly answers: readonly NameResponseRule[];
}

/** Response rules that map the rewritten name back to the one asked, for names and values alike. */
function autoRules(rewritten: string, asked: string): NameResponseRule[] {
  const rewrite = remapRewriter(rewritten, asked);
  return [
    { kind: 'name', rewrite },
    { kind: 'value', rewrite },
  ];
}

/** The rewritten name when `spec` matches `name`, else null. */
function rewriteName(spec: NameRuleSpec, name: string): string | null {
  switch (spec.match) {
    case 'exact':
      return name === spec.from ? spec.to : null;
    case 'prefix':
      return name.startsWith(spec.from) ? spec.to + name.slice(spec.from.length) : null;
    case 'suffix':
      return name.endsWith(spec.from) ? name.slice(0, name.length - spec.from.length) + spec.to : null;
    case 'substring':
      return name.includes(spec.from) ? name.replaceAll(spec.from, spec.to) : null;
    case 'regex':
      return expand(spec.pattern as RegExp, spec.to, name);
  }
}

/**
 * A `name` rule. Exact rules always undo themselves in the response; suffix rules with `answer
 * auto` swap the suffixes back; the other kinds with `answer auto` map the rewritten name (and
 * names below it) back to the asked one, as CoreDNS's name rules do.
 */
export function nameRule(spec: NameRuleSpec): Rule {
  const auto = spec.match === 'exact' || (spec.auto && spec.match !== 'suffix');
  let fixed: readonly ResponseRule[] = spec.answers;
  if (spec.match === 'suffix' && spec.auto) {
    const rewrite = suffixRewriter(spec.to, spec.from);
    fixed = [{ kind: 'name', rewrite }, { kind: 'value', rewrite }, ...spec.answers];
  }
  return {
    mode: spec.mode,
    apply(state) {
      const asked = state.question.name;
      const rewritten = rewriteName(spec, asked);
      if (rewritten === null) return null;
      state.rename(rewritten);
      return auto ? [...autoRules(rewritten, asked), ...fixed] : fixed;
    },
  };
}

/** An `answer name|value FROM TO` rule: a regex over response names or values. */
export function answerRule(kind: 'name' | 'value', pattern: RegExp, to: string): NameResponseRule {
  return { kind, rewrite: regexRewriter(pattern, to) };
}

export function typeRule(mode: Mode, from: number, to: number): Rule {
  return {
    mode,
    apply({ question }) {
      if (from <= 0 || to <= 0 || question.type !== from) return null;
      question.type = to;
      return NONE;
    },
  };
}

export function classRule(mode: Mode, from: number, to: number): Rule {
  return {
    mode,
    apply({ question }) {
      if (from <= 0 || to <= 0 || question.class !== from) return null;
      question.class = to;
      return NONE;
    },
  };
}

/**
 * Whether a question name (CoreDNS form) is one a `ttl` or `rcode` rule is for: equal to, starting
 * with, ending with or containing `from`, or matching `pattern`.
 */
export function nameTest(match: NameMatch, from: string, pattern: RegExp | null): (name: string) => boolean {
  switch (match) {
    case 'exact':
      return (name) => name === from;
    case 'prefix':
      return (name) => name.startsWith(from);
    case 'suffix':
      return (name) => name.endsWith(from);
    case 'substring':
      return (name) => name.includes(from);
    case 'regex':
      return (name) => (pattern as RegExp).test(name);
  }
}

/** A rule that matches by the question's name and calls for one fixed response rule (`ttl`, `rcode`). */
export function responseRuleFor(mode: Mode, test: (name: string) => boolean, response: ResponseRule): Rule {
  const responses: readonly ResponseRule[] = Object.freeze([response]);
  return {
    mode,
    apply: (state) => (test(state.question.name) ? responses : null),
  };
}

/** CoreDNS's plugin.Name(...).Normalize(): lower case with a trailing dot. */
export function normalize(text: string): string {
  const lower = text.toLowerCase();
  return lower.endsWith('.') ? lower : toFqdn(lower);
}

/**
 * The name test of a `ttl` or `rcode` rule written `MATCH NAME` (CoreDNS's words for its errors
 * name the rule kind): NAME normalized, or compiled for regex.
 */
export function parseNameTest(kind: 'ttl' | 'rcode', matchText: string, nameText: string): (name: string) => boolean {
  const match = matchText.toLowerCase();
  if (!NAME_MATCHES.includes(match)) {
    throw new RuleError(`${kind} rule supports only exact, prefix, suffix, substring, and regex name matching`);
  }
  if (match !== 'regex') return nameTest(match as NameMatch, normalize(nameText), null);
  if (nameText.length > MAX_PATTERN_LENGTH) {
    throw new RuleError(`regex pattern too long in a ${kind} rule: ${nameText.length} > ${MAX_PATTERN_LENGTH}`);
  }
  try {
    return nameTest('regex', '', compileRulePattern(nameText));
  } catch (error) {
    if (error instanceof PatternError) throw new RuleError(`invalid regex pattern in a ${kind} rule: ${nameText}`);
    throw error;
  }
}
