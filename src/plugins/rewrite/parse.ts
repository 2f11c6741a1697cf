import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { classFromName, typeFromName } from '../../dns/constants.ts';
import { newCnameRule } from './cname.ts';
import { newEdns0Rule } from './edns0.ts';
import { RuleError } from './errors.ts';
import { newRcodeRule } from './rcode.ts';
import { checkedPattern, PatternError } from './regex.ts';
import type { NameResponseRule } from './response.ts';
import { answerRule, classRule, NAME_MATCHES, nameRule, normalize, typeRule, type Mode, type NameMatch, type Rule } from './rules.ts';
import { newTtlRule } from './ttl.ts';

/**
 * The words of one `rewrite` directive: its arguments, or, when it has fewer than two, those
 * followed by every word of its block (CoreDNS reads `rewrite stop { name regex ... \n answer
 * name ... }` as one rule).
 */
function ruleWords(directive: Directive): Token[] {
  const words = [...directive.args];
  if (directive.block === null) return words;
  if (words.length >= 2) {
    throw new CorefileError(directive.name.file, directive.name.line, 'a rule with arguments takes no { } block', 'rewrite');
  }
  for (const line of directive.block) {
    if (line.block !== null) throw new CorefileError(line.name.file, line.name.line, 'nested { } block in a rule', 'rewrite');
    words.push(line.name, ...line.args);
  }
  return words;
}

/** `rewrite [continue|stop] name|type|class|edns0|ttl|cname|rcode ...`: one rule (CoreDNS's newRule). */
export function parseRewrite(directive: Directive): Rule {
  const words = ruleWords(directive).map((token) => token.text);
  try {
    return newRule(words);
  } catch (error) {
    if (error instanceof RuleError || error instanceof PatternError) {
      throw new CorefileError(directive.name.file, directive.name.line, error.message, 'rewrite');
    }
    throw error;
  }
}

function newRule(args: readonly string[]): Rule {
  if (args.length === 0) throw new RuleError('no rule type specified for rewrite');
  const first = args[0]!.toLowerCase();
  let mode: Mode = 'stop';
  let rest = args;
  if (first === 'continue' || first === 'stop') {
    if (args.length < 2) throw new RuleError(`${first} rule must begin with a rule type`);
    mode = first;
    rest = args.slice(1);
  }
  const kind = rest[0]!.toLowerCase();
  const operands = rest.slice(1);
  switch (kind) {
    case 'answer':
      throw new RuleError('response rewrites must begin with a name rule');
    case 'name':
      return newNameRule(mode, operands);
    case 'type':
    case 'class': {
      if (operands.length !== 2) throw new RuleError(`${kind} rules must have exactly two arguments`);
      const lookup = kind === 'type' ? typeFromName : classFromName;
      const [from, to] = operands.map((text) => {
        const code = lookup(text);
        if (code === undefined) throw new RuleError(`invalid ${kind} "${text.toUpperCase()}"`);
        return code;
      }) as [number, number];
      return kind === 'type' ? typeRule(mode, from, to) : classRule(mode, from, to);
    }
    case 'edns0':
      return newEdns0Rule(mode, operands);
    case 'ttl':
      return newTtlRule(mode, operands);
    case 'cname':
      return newCnameRule(mode, operands);
    case 'rcode':
      return newRcodeRule(mode, operands);
    default:
      throw new RuleError(`invalid rule type ${JSON.stringify(args[0])}`);
  }
}

function newNameRule(mode: Mode, args: readonly string[]): Rule {
  if (args.length < 2) throw new RuleError('too few arguments for a name rule');
  let match: string;
  let from: string;
  let to: string;
  let pattern: RegExp | null = null;
  if (args.length === 2) {
    match = 'exact';
    from = normalize(args[0]!);
    to = normalize(args[1]!);
  } else {
    match = args[0]!.toLowerCase();
    from = match === 'regex' ? args[1]! : normalize(args[1]!);
    to = match === 'regex' ? args[2]! : normalize(args[2]!);
  }
  if (!NAME_MATCHES.includes(match)) {
    throw new RuleError(`name rule supports only exact, prefix, suffix, substring, and regex name matching, received: ${match}`);
  }
  const answers = args.length > 3 ? parseAnswers(match, args.slice(3)) : { auto: false, rules: [] };
  // CoreDNS compiles an exact rule's target as a pattern too, so it refuses the same targets.
  if (match === 'exact') checkedPattern(to, from);
  if (match === 'regex') {
    pattern = checkedPattern(from, to);
    to = normalize(to);
  }
  return nameRule({ mode, match: match as NameMatch, from, to, pattern, auto: answers.auto, answers: answers.rules });
}

/** `answer auto | answer name FROM TO | answer value FROM TO`, repeated; `answer` may be left out after the first. */
function parseAnswers(match: string, args: readonly string[]): { auto: boolean; rules: NameResponseRule[] } {
  if (args.length < 2) throw new RuleError(`invalid arguments for ${match} rule`);
  let auto = false;
  let nameRules = 0;
  const rules: NameResponseRule[] = [];
  let index = 0;
  let last = '';
  while (index < args.length) {
    if (last === '' && args[index] !== 'answer') {
      throw new RuleError(`exceeded the number of arguments for a non-answer rule argument for ${match} rule`);
    }
    if (args[index] === 'answer') index++;
    if (index >= args.length) throw new RuleError(`type missing for answer rule for ${match} rule`);
    last = args[index++]!;
    if (last === 'auto') {
      auto = true;
      continue;
    }
    if (last !== 'name' && last !== 'value') throw new RuleError(`invalid type "${last}" for answer rule for ${match} rule`);
    if (args.length - index < 2) throw new RuleError(`${last} answer rule for ${match} rule: 2 arguments required`);
    const [patternText, replacement] = [args[index]!, args[index + 1]!];
    let pattern: RegExp;
    try {
      pattern = checkedPattern(patternText, replacement);
    } catch (error) {
      if (error instanceof PatternError) throw new RuleError(`${last} answer rule for ${match} rule: ${error.message}`);
      throw error;
    }
    rules.push(answerRule(last, pattern, normalize(replacement)));
    if (last === 'name') nameRules++;
    index += 2;
  }
  if (auto && nameRules > 0) throw new RuleError('auto name answer rule cannot be combined with explicit name anwer rules');
  return { auto, rules };
}
