import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import type { DomainName } from '../../dns/types.ts';
import { blockDirectives, boolFlag, parseZonesArg, unknownProperty } from '../../toolkit/args.ts';

export interface ExternalOptions {
  /** Zones given as arguments; null means the server block's. */
  readonly zones: readonly DomainName[] | null;
  /** The label under which the apex's own names live (`ns1.APEX.zone`, `hostmaster.APEX.zone`). */
  readonly apex: string;
  readonly ttl: number;
  readonly headless: boolean;
  /** Zones whose NXDOMAIN goes to the next plugin; null without `fallthrough`. */
  readonly fallthrough: readonly DomainName[] | null;
}

const MAX_TTL = 3600;

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, 'k8s_external');
}

function oneArg(sub: Directive): Token {
  if (sub.args.length !== 1) fail(sub.name, `Wrong argument count or unexpected line ending after '${sub.name.text}'`);
  return sub.args[0]!;
}

/** `k8s_external [ZONES...] { apex APEX; ttl TTL; headless; fallthrough [ZONES...] }`, as CoreDNS's setup. */
export function parseExternal(directive: Directive): ExternalOptions {
  const zones = directive.args.length > 0 ? parseZonesArg(directive.args, [], 'k8s_external') : null;
  let apex = 'dns';
  let ttl = 5;
  let headless = false;
  let fallthrough: DomainName[] | null = null;
  for (const sub of blockDirectives(directive)) {
    switch (sub.name.text) {
      case 'apex':
        apex = oneArg(sub).text.toLowerCase().replace(/\.$/, '');
        break;
      case 'ttl': {
        const token = oneArg(sub);
        ttl = /^\d+$/.test(token.text) ? Number(token.text) : NaN;
        if (!(ttl >= 0 && ttl <= MAX_TTL)) fail(token, `ttl must be in range [0, ${MAX_TTL}]: ${token.text}`);
        break;
      }
      case 'headless':
        headless = boolFlag(sub);
        break;
      case 'fallthrough':
        fallthrough = sub.args.length === 0 ? [''] : parseZonesArg(sub.args, [], 'fallthrough');
        break;
      default:
        throw unknownProperty(sub, directive);
    }
  }
  return { zones, apex, ttl, headless, fallthrough };
}
