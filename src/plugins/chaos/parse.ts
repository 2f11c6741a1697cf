import packageJson from '../../../package.json' with { type: 'json' };
import type { Directive } from '../../corefile/types.ts';
import { blockDirectives, unknownProperty } from '../../toolkit/args.ts';

/** What `chaos` answers version and author questions with. */
export interface ChaosOptions {
  readonly version: string;
  readonly authors: readonly string[];
}

/** A TXT character-string's limit: CoreDNS trims what it answers to it. */
const MAX_TEXT_BYTES = 255;

/** CoreDNS answers `CoreDNS-<version>`; clusterdns names itself the same way. */
const DEFAULT_VERSION = `clusterdns-${packageJson.version}`;
/** CoreDNS answers its maintainers' GitHub handles; clusterdns has no such list and answers its name. */
const DEFAULT_AUTHORS: readonly string[] = ['clusterdns'];

/** `text` cut to at most 255 bytes of UTF-8, at a character boundary. */
export function trimText(text: string): string {
  if (Buffer.byteLength(text) <= MAX_TEXT_BYTES) return text;
  let kept = '';
  let bytes = 0;
  for (const character of text) {
    bytes += Buffer.byteLength(character);
    if (bytes > MAX_TEXT_BYTES) break;
    kept += character;
  }
  return kept;
}

/**
 * `chaos [VERSION] [AUTHORS...]` as CoreDNS 1.14 reads it: VERSION and AUTHORS each cut to 255
 * bytes, the authors without duplicates, sorted.
 */
export function parseChaos(directive: Directive): ChaosOptions {
  const [property] = blockDirectives(directive);
  if (property !== undefined) throw unknownProperty(property, directive);
  const [version, ...authors] = directive.args.map((token) => trimText(token.text));
  return {
    version: version ?? DEFAULT_VERSION,
    authors: authors.length === 0 ? DEFAULT_AUTHORS : [...new Set(authors)].sort(),
  };
}
