import { remapRewriter, suffixRewriter, regexRewriter, type ResponseRule } from './response.ts';
import { expand } from './regex.ts';

export type Mode = 'stop' | 'continue';

/** The question as the rules see it; the name in CoreDNS's form (lower case, trailing dot). */
export interface Question {
  name: string;
  type: number;
  class: number;
}

/**
 * One rewrite rule. `apply` changes `question` in place when the rule matches and returns the
 * response rules the match calls for (possibly none); it returns null when the rule does not match.
 */
export interface Rule {
  readonly mode: Mode;
  apply(question: Question): readonly ResponseRule[] | null;
}

const NONE: readonly ResponseRule[] = Object.freeze([]);

export type NameMatch = 'exact' | 'prefix' | 'suffix' | 'substring' | 'regex';

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
  readonly answers: readonly ResponseRule[];
}

/** Response rules that map the rewritten name back to the one asked, for names and values alike. */
function autoRules(rewritten: string, asked: string): ResponseRule[] {
  const rewrite = remapRewriter(rewritten, asked);
  return [
    { field: 'name', rewrite },
    { field: 'value', rewrite },
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
  let fixed = spec.answers;
  if (spec.match === 'suffix' && spec.auto) {
    const rewrite = suffixRewriter(spec.to, spec.from);
    fixed = [{ field: 'name', rewrite }, { field: 'value', rewrite }, ...spec.answers];
  }
  return {
    mode: spec.mode,
    apply(question) {
      const asked = question.name;
      const rewritten = rewriteName(spec, asked);
      if (rewritten === null) return null;
      question.name = rewritten;
      return auto ? [...autoRules(rewritten, asked), ...fixed] : fixed;
    },
  };
}

/** An `answer name|value FROM TO` rule: a regex over response names or values. */
export function answerRule(field: 'name' | 'value', pattern: RegExp, to: string): ResponseRule {
  return { field, rewrite: regexRewriter(pattern, to) };
}

export function typeRule(mode: Mode, from: number, to: number): Rule {
  return {
    mode,
    apply(question) {
      if (from <= 0 || to <= 0 || question.type !== from) return null;
      question.type = to;
      return NONE;
    },
  };
}

export function classRule(mode: Mode, from: number, to: number): Rule {
  return {
    mode,
    apply(question) {
      if (from <= 0 || to <= 0 || question.class !== from) return null;
      question.class = to;
      return NONE;
    },
  };
}
