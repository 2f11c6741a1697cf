import { RuleError } from './errors.ts';
import { normalize, nameTest, parseNameTest, responseRuleFor, type Mode, type Rule } from './rules.ts';

/** The largest TTL of an open range (`30-`): 2^31-1, as CoreDNS. */
const OPEN_RANGE_MAX = 2147483647;
const UINT32_MAX = 0xffffffff;

/** A decimal uint32 as Go's strconv.ParseUint(text, 10, 32) reads it, or null. */
function parseTtlNumber(text: string): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const value = Number(text);
  return value <= UINT32_MAX ? value : null;
}

/** `TTL`, `MIN-MAX`, `MIN-` or `-MAX` as CoreDNS's isValidTTL reads them; null when invalid. */
export function parseTtlRange(text: string): { min: number; max: number } | null {
  const parts = text.split('-');
  if (parts.length === 1) {
    const ttl = parseTtlNumber(text);
    return ttl === null ? null : { min: ttl, max: ttl };
  }
  if (parts.length !== 2) return null;
  const [low, high] = parts as [string, string];
  // A lone '-' would mean 0-2147483647, which CoreDNS refuses as useless.
  if (low === '' && high === '') return null;
  const min = low === '' ? 0 : parseTtlNumber(low);
  const max = high === '' ? OPEN_RANGE_MAX : parseTtlNumber(high);
  if (min === null || max === null || min > max) return null;
  return { min, max };
}

/**
 * `ttl [MATCH] NAME TTL|MIN-MAX|MIN-|-MAX` (CoreDNS's newTTLRule): for a question name that
 * matches, the TTLs of every record of the response are set, or clamped into the range.
 */
export function newTtlRule(mode: Mode, args: readonly string[]): Rule {
  if (args.length < 2) throw new RuleError(`too few (${args.length}) arguments for a ttl rule`);
  const ttlText = args.length === 2 ? args[1]! : args.length === 3 ? args[2]! : '';
  const range = parseTtlRange(ttlText);
  if (range === null) throw new RuleError(`invalid TTL '${ttlText}' for a ttl rule`);
  const test = args.length === 3 ? parseNameTest('ttl', args[0]!, args[1]!) : nameTest('exact', normalize(args[0]!), null);
  return responseRuleFor(mode, test, { kind: 'ttl', ...range });
}
