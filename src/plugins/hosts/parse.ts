import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import type { DomainName } from '../../dns/types.ts';
import { blockDirectives, boolFlag, parseDurationArg, parseZonesArg, unknownProperty } from '../../toolkit/args.ts';

export const DEFAULT_HOSTS_PATH = '/etc/hosts';
export const DEFAULT_TTL = 3600;
export const DEFAULT_RELOAD_MS = 5000;

export interface HostsOptions {
  /** Where the directive was written, for messages. */
  readonly file: string;
  readonly line: number;
  readonly path: string;
  /** The zones given as arguments; null means the server block's zones (known in setup). */
  readonly zones: readonly DomainName[] | null;
  /** Lines of hosts data written in the block. */
  readonly inline: readonly string[];
  readonly ttl: number;
  readonly autoReverse: boolean;
  /** 0 disables reloading. */
  readonly reloadMs: number;
  /** Zones where a miss passes to the next plugin; null without `fallthrough`. */
  readonly fallthrough: readonly DomainName[] | null;
  /** `fallthrough_unsupported`: types other than A, AAAA and PTR pass on too (within `fallthrough`). */
  readonly fallthroughUnsupported: boolean;
}

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, 'hosts');
}

/**
 * `hosts [FILE [ZONES...]] { INLINE...; ttl; no_reverse; reload; fallthrough [ZONES...];
 * fallthrough_unsupported }`, read as CoreDNS's hostsParse: a block line it does not know is a
 * line of hosts data, until `fallthrough` has been seen.
 */
export function parseHosts(directive: Directive): HostsOptions {
  const [pathToken, ...zoneArgs] = directive.args;
  let ttl = DEFAULT_TTL;
  let autoReverse = true;
  let reloadMs = DEFAULT_RELOAD_MS;
  let fallthrough: DomainName[] | null = null;
  let fallthroughUnsupported = false;
  const inline: string[] = [];
  for (const option of blockDirectives(directive)) {
    const args = option.args;
    switch (option.name.text) {
      case 'fallthrough':
        fallthrough = args.length === 0 ? [''] : parseZonesArg(args, [], 'hosts');
        break;
      case 'fallthrough_unsupported':
        fallthroughUnsupported = boolFlag(option);
        break;
      case 'no_reverse':
        autoReverse = !boolFlag(option);
        break;
      case 'ttl': {
        if (args.length < 1) fail(option.name, 'ttl needs a time in second');
        const text = args[0]!.text;
        if (!/^[+-]?\d+$/.test(text)) fail(args[0]!, 'ttl needs a number of second');
        const value = Number(text);
        if (value <= 0 || value > 65535) fail(args[0]!, 'ttl provided is invalid');
        ttl = value;
        break;
      }
      case 'reload':
        if (args.length !== 1) fail(option.name, 'reload needs a duration (zero seconds to disable)');
        reloadMs = parseDurationArg(args[0]!, { name: 'hosts' });
        break;
      default:
        if (fallthrough !== null) throw unknownProperty(option, directive);
        if (option.block !== null) fail(option.name, 'a line of hosts data takes no { } block');
        inline.push([option.name.text, ...args.map((arg) => arg.text)].join(' '));
    }
  }
  if (fallthroughUnsupported && fallthrough === null) fail(directive.name, 'fallthrough_unsupported requires fallthrough');
  return {
    file: directive.name.file,
    line: directive.name.line,
    path: pathToken?.text ?? DEFAULT_HOSTS_PATH,
    zones: zoneArgs.length === 0 ? null : parseZonesArg(zoneArgs, [], 'hosts'),
    inline,
    ttl,
    autoReverse,
    reloadMs,
    fallthrough,
    fallthroughUnsupported,
  };
}
