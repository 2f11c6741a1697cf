import { readFileSync } from 'node:fs';
import { CorefileError, type Directive } from '../../corefile/types.ts';
import type { DomainName } from '../../dns/types.ts';
import { parseResolvConf } from '../../resolver/resolv-conf.ts';
import { noBlock, parseZonesArg } from '../../toolkit/args.ts';

/** Where the search path comes from: a fixed list read from a resolv.conf, or the kubernetes plugin per query. */
export type SearchSource = { readonly kind: 'file'; readonly search: readonly DomainName[] } | { readonly kind: 'kubernetes' };

export interface AutoPathOptions {
  /** Zones given as arguments; null means the server block's zones. */
  readonly zones: readonly DomainName[] | null;
  readonly source: SearchSource;
}

function fail(directive: Directive, message: string): never {
  throw new CorefileError(directive.name.file, directive.name.line, message, 'autopath');
}

/**
 * `autopath [ZONES...] RESOLV-CONF|@kubernetes`, as CoreDNS's autoPathParse: the last argument
 * is a resolv.conf whose search list (with '' appended for the bare name) is the path, or
 * `@PLUGIN` to ask that plugin per query. Only the kubernetes plugin can give a search path.
 */
export function parseAutoPath(directive: Directive): AutoPathOptions {
  noBlock(directive);
  const args = directive.args;
  if (args.length < 1) fail(directive, 'no resolv-conf specified');
  const last = args[args.length - 1]!;
  const zones = args.length > 1 ? parseZonesArg(args.slice(0, -1), [], 'autopath') : null;
  if (last.text.startsWith('@')) {
    const plugin = last.text.slice(1);
    if (plugin !== 'kubernetes') fail(directive, `${plugin} does not implement the AutoPather interface`);
    return { zones, source: { kind: 'kubernetes' } };
  }
  let text: string;
  try {
    text = readFileSync(last.text, 'utf8');
  } catch (error) {
    fail(directive, `failed to parse "${last.text}": ${(error as Error).message}`);
  }
  return { zones, source: { kind: 'file', search: [...(parseResolvConf(text).search ?? []), ''] } };
}
