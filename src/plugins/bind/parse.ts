import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { blockDirectives, noBlock } from '../../toolkit/args.ts';
import type { ListenHostsOptions } from '../../toolkit/types.ts';
import { hostInterfaces, resolveBindWord, UnknownAddressError, type InterfaceTable } from './addresses.ts';

export type BindOptions = ListenHostsOptions;

function errorAt(token: Token, message: string): CorefileError {
  return new CorefileError(token.file, token.line, message, 'bind');
}

function resolveAll(tokens: readonly Token[], interfaces: InterfaceTable): string[] {
  return tokens.flatMap((token) => {
    try {
      return resolveBindWord(token.text, interfaces);
    } catch (error) {
      if (error instanceof UnknownAddressError) throw errorAt(token, error.message);
      throw error;
    }
  });
}

/**
 * `bind ADDRESS|IFACE... { except ADDRESS|IFACE... }` as CoreDNS reads it. Interface names are
 * looked up now, so a reload sees the addresses an interface has then. `except` only removes
 * addresses of its own directive; several `bind` lines in a block add up (the server joins them).
 */
export function parseBind(directive: Directive, interfaces: InterfaceTable = hostInterfaces()): BindOptions {
  if (directive.args.length === 0) throw errorAt(directive.name, 'at least one address or interface name is expected');
  const addresses = resolveAll(directive.args, interfaces);
  const excluded = new Set<string>();
  for (const line of blockDirectives(directive)) {
    if (line.name.text !== 'except') throw errorAt(line.name, `invalid option "${line.name.text}"`);
    noBlock(line);
    if (line.args.length === 0) throw errorAt(line.name, 'at least one address or interface must be given to except subdirective');
    for (const address of resolveAll(line.args, interfaces)) excluded.add(address);
  }
  const listenHosts = addresses.filter((address) => !excluded.has(address));
  if (listenHosts.length === 0) throw errorAt(directive.name, 'no address left to listen on once the exceptions are removed');
  return { listenHosts };
}
