import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { classFromName, className, RCode, rcodeFromName, typeFromName, typeName } from '../../dns/constants.ts';
import type { DomainName } from '../../dns/types.ts';
import { argCount, blockDirectives, noBlock, parseZonesArg, unknownProperty } from '../../toolkit/args.ts';
import { compileGoPattern, GoPatternError } from '../../toolkit/go-regex.ts';
import { BUILTINS } from './gotemplate/builtins.ts';
import { parseTemplate, TemplateParseError, type Tree } from './gotemplate/parse.ts';

const NAME = 'template';
const FUNCTIONS: ReadonlySet<string> = new Set(BUILTINS.keys());

export type Section = 'answer' | 'additional' | 'authority';

/** One `match` regex: compiled, and as written (the templates' `.Regex`). */
export interface MatchPattern {
  readonly regex: RegExp;
  readonly source: string;
}

export interface TemplateOptions {
  /** The query class and type it answers; ANY (255) matches every one. */
  readonly qclass: number;
  readonly qtype: number;
  /** The zones given as arguments; null means the server block's (known in setup). */
  readonly zones: readonly DomainName[] | null;
  /** Tried in order; the first that matches the query name wins. */
  readonly patterns: readonly MatchPattern[];
  readonly answer: readonly Tree[];
  readonly additional: readonly Tree[];
  readonly authority: readonly Tree[];
  readonly rcode: number;
  /** `ederror CODE [REASON]`: an Extended DNS Error (RFC 8914) in every answer. */
  readonly ede: { readonly code: number; readonly reason: string } | null;
  /** Zones where a name no regex matches goes on (to the next template, then the next plugin); null without `fallthrough`. */
  readonly fallthrough: readonly DomainName[] | null;
}

/** CoreDNS's default regex when a template has no `match`. */
export const MATCH_EVERYTHING = '.*';

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, NAME);
}

/** miekg's StringToClass and StringToType are case-sensitive: `in` is no class. */
function exactMnemonic(token: Token, code: number | undefined, name: (code: number) => string): number | undefined {
  return code !== undefined && name(code) === token.text ? code : undefined;
}

function patterns(line: Directive): MatchPattern[] {
  return argCount(line, 1).map((token) => {
    try {
      return { regex: compileGoPattern(token.text), source: token.text };
    } catch (error) {
      if (!(error instanceof GoPatternError)) throw error;
      return fail(token, error.tooLong ? error.message : `could not parse regex: ${token.text}, ${error.message}`);
    }
  });
}

function templates(line: Directive, section: Section): Tree[] {
  return argCount(line, 1).map((token) => {
    try {
      return parseTemplate(section, token.text, FUNCTIONS);
    } catch (error) {
      if (!(error instanceof TemplateParseError)) throw error;
      return fail(token, `could not compile template: ${token.text}, ${error.message}`);
    }
  });
}

function extendedError(line: Directive): { code: number; reason: string } {
  const [code, reason] = argCount(line, 1, 2);
  if (!/^\d+$/.test(code!.text) || Number(code!.text) > 0xffff) {
    fail(code!, `error parsing extended DNS error code ${code!.text}, strconv.ParseUint: parsing ${JSON.stringify(code!.text)}: invalid syntax`);
  }
  return { code: Number(code!.text), reason: reason?.text ?? '' };
}

/**
 * `template CLASS TYPE [ZONE...] { match REGEX...; answer RR...; additional RR...; authority RR...;
 * rcode CODE; ederror CODE [REASON]; fallthrough [ZONE...]; upstream }`, as CoreDNS 1.14's
 * templateParse reads it. Regexes and templates are compiled here: one that does not compile is
 * an error at its line.
 */
export function parseTemplateDirective(directive: Directive): TemplateOptions {
  const [classToken, typeToken, ...zoneTokens] = argCount(directive, 2);
  const qclass = exactMnemonic(classToken!, classFromName(classToken!.text), className);
  if (qclass === undefined) fail(classToken!, `invalid query class ${classToken!.text}`);
  const qtype = exactMnemonic(typeToken!, typeFromName(typeToken!.text), typeName);
  // CoreDNS's wording, "class" for the type included.
  if (qtype === undefined) fail(typeToken!, `invalid RR class ${typeToken!.text}`);
  const found: { patterns: MatchPattern[]; answer: Tree[]; additional: Tree[]; authority: Tree[] } = { patterns: [], answer: [], additional: [], authority: [] };
  let rcode: number = RCode.NOERROR;
  let ede: TemplateOptions['ede'] = null;
  let fallthrough: DomainName[] | null = null;
  for (const line of blockDirectives(directive)) {
    const keyword = line.name.text;
    if (keyword !== 'upstream') noBlock(line);
    switch (keyword) {
      case 'match':
        found.patterns.push(...patterns(line));
        break;
      case 'answer':
      case 'additional':
      case 'authority':
        found[keyword].push(...templates(line, keyword));
        break;
      case 'rcode': {
        const [code] = argCount(line, 1, 1);
        const value = code!.text === code!.text.toUpperCase() ? rcodeFromName(code!.text) : undefined;
        if (value === undefined) fail(code!, `unknown rcode ${code!.text}`);
        rcode = value;
        break;
      }
      case 'ederror':
        ede = extendedError(line);
        break;
      case 'fallthrough':
        fallthrough = line.args.length === 0 ? [''] : parseZonesArg(line.args, [], NAME);
        break;
      case 'upstream':
        // CoreDNS always resolves CNAME targets and ignores the word, kept for old Corefiles.
        break;
      default:
        throw unknownProperty(line, directive);
    }
  }
  return {
    qclass,
    qtype,
    zones: zoneTokens.length === 0 ? null : parseZonesArg(zoneTokens, [], NAME),
    patterns: found.patterns.length > 0 ? found.patterns : [{ regex: compileGoPattern(MATCH_EVERYTHING), source: MATCH_EVERYTHING }],
    answer: found.answer,
    additional: found.additional,
    authority: found.authority,
    rcode,
    ede,
    fallthrough,
  };
}
