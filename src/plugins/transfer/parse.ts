import { isIP } from 'node:net';
import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import type { DomainName } from '../../dns/types.ts';
import { blockDirectives, parseZonesArg, unknownProperty } from '../../toolkit/args.ts';
import { splitHostPort } from '../../toolkit/host-port.ts';

export interface TransferOptions {
  /** Zones given as arguments; null means the server block's. */
  readonly zones: readonly DomainName[] | null;
  /** Client addresses allowed a transfer, or '*' for any. */
  readonly to: readonly string[];
}

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, 'transfer');
}

/** `to` takes IPs, with or without a port (CoreDNS normalizes them to host:port and compares the host). */
function allowedHost(token: Token): string {
  if (token.text === '*') return '*';
  let host = token.text;
  if (isIP(host) === 0) {
    try {
      host = splitHostPort(token.text).host;
    } catch {
      fail(token, `not an IP address or IP:port: ${token.text}`);
    }
  }
  if (isIP(host) === 0) fail(token, `not an IP address or IP:port: ${token.text}`);
  return host;
}

/**
 * `transfer [ZONES...] { to ADDRESS... [source ADDRESS] }`, as CoreDNS's transfer setup: `to` may
 * repeat; `source` (the address NOTIFY messages leave from) is accepted and unused, as clusterdns
 * sends no NOTIFY.
 */
export function parseTransfer(directive: Directive): TransferOptions {
  const zones = directive.args.length > 0 ? parseZonesArg(directive.args, [], 'transfer') : null;
  const to: string[] = [];
  for (const sub of blockDirectives(directive)) {
    switch (sub.name.text) {
      case 'to':
        if (sub.args.length === 0) fail(sub.name, 'Wrong argument count or unexpected line ending after \'to\'');
        for (const token of sub.args) to.push(allowedHost(token));
        break;
      case 'source':
        if (sub.args.length !== 1 || isIP(sub.args[0]!.text) === 0) fail(sub.name, 'source needs one IP address');
        break;
      default:
        throw unknownProperty(sub, directive);
    }
  }
  return { zones, to };
}
