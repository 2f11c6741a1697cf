import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { argCount, blockDirectives, noBlock } from '../../toolkit/args.ts';

/** The header flags CoreDNS 1.14's header plugin knows. */
export type FlagName = 'aa' | 'ra' | 'rd';

function isFlagName(text: string): text is FlagName {
  return text === 'aa' || text === 'ra' || text === 'rd';
}

/** One flag to set or clear; later rules for the same flag win. */
export interface FlagRule {
  readonly flag: FlagName;
  readonly set: boolean;
}

export interface HeaderRules {
  /** Applied to the query before the rest of the chain sees it. */
  readonly query: readonly FlagRule[];
  /** Applied to the response on its way back. */
  readonly response: readonly FlagRule[];
}

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, `setting up rule: ${message}`, 'header');
}

/** One `SELECTOR ACTION FLAGS...` line, checked in the order CoreDNS's newRules checks it. */
function lineRules(line: Directive): FlagRule[] {
  noBlock(line);
  const [action, ...flags] = line.args;
  if (action === undefined) fail(line.name, 'no flag action provided');
  if (flags.length === 0) fail(action, 'invalid length for flags, at least one should be provided');
  const verb = action.text.toLowerCase();
  if (verb !== 'set' && verb !== 'clear') fail(action, `unknown flag action=${verb}, should be set or clear`);
  return flags.map((token) => {
    const flag = token.text.toLowerCase();
    if (!isFlagName(flag)) fail(token, `unknown/unsupported flag=${flag}`);
    return { flag, set: verb === 'set' };
  });
}

/**
 * `header { query|response set|clear FLAG... }` as CoreDNS 1.14 reads it: selectors, actions and
 * flags in any case, FLAG one of aa, ra, rd; at least one rule.
 */
export function parseHeader(directive: Directive): HeaderRules {
  argCount(directive, 0, 0);
  const query: FlagRule[] = [];
  const response: FlagRule[] = [];
  for (const line of blockDirectives(directive)) {
    const selector = line.name.text.toLowerCase();
    if (selector !== 'query' && selector !== 'response') fail(line.name, `invalid selector=${selector} should be query or response`);
    (selector === 'query' ? query : response).push(...lineRules(line));
  }
  if (query.length === 0 && response.length === 0) {
    const { name } = directive;
    throw new CorefileError(name.file, name.line, `Wrong argument count or unexpected line ending after '${name.text}'`, 'header');
  }
  return { query, response };
}
