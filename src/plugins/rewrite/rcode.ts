import { rcodeFromName } from '../../dns/constants.ts';
import { RuleError } from './errors.ts';
import { normalize, nameTest, parseNameTest, responseRuleFor, type Mode, type Rule } from './rules.ts';

/** The largest RCODE CoreDNS takes as a number (BADCOOKIE). */
const MAX_NUMERIC_RCODE = 23;

/** CoreDNS's isValidRCode: a number up to 23, or a name miekg/dns knows (BADVERS is not one: it calls 16 BADSIG). */
export function parseRcode(text: string): number | null {
  if (/^[0-9]+$/.test(text) && Number(text) <= MAX_NUMERIC_RCODE) return Number(text);
  if (text.toUpperCase() === 'BADVERS') return null;
  return rcodeFromName(text) ?? null;
}

/**
 * `rcode [MATCH] NAME FROM TO` (CoreDNS's newRCodeRule): for a question name that matches, a
 * response with RCODE FROM is sent with TO.
 */
export function newRcodeRule(mode: Mode, args: readonly string[]): Rule {
  if (args.length < 3) throw new RuleError(`too few (${args.length}) arguments for a rcode rule`);
  const [fromText, toText] = args.length === 3 ? [args[1]!, args[2]!] : args.length === 4 ? [args[2]!, args[3]!] : ['', ''];
  const from = parseRcode(fromText);
  if (from === null) throw new RuleError(`invalid matching RCODE '${fromText}' for a rcode rule`);
  const to = parseRcode(toText);
  if (to === null) throw new RuleError(`invalid replacement RCODE '${toText}' for a rcode rule`);
  const test = args.length === 4 ? parseNameTest('rcode', args[0]!, args[1]!) : nameTest('exact', normalize(args[0]!), null);
  return responseRuleFor(mode, test, { kind: 'rcode', from, to });
}
