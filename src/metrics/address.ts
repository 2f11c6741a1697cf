import { CorefileError, type Token } from '../corefile/types.ts';

/** A TCP listen address as Go's net.SplitHostPort reads it: `:8080`, `localhost:9153`, `[::1]:8181`. */
export interface ListenAddress {
  /** '' for every interface. */
  readonly host: string;
  readonly port: number;
}

/** An address Go would refuse, worded as Go words it (`address localhost: missing port in address`). */
export class ListenAddressError extends Error {
  readonly address: string;
  constructor(address: string, reason: string) {
    super(`address ${address}: ${reason}`);
    this.name = 'ListenAddressError';
    this.address = address;
  }
}

function splitHostPort(text: string): { host: string; port: string } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new ListenAddressError(text, "missing ']' in address");
    if (close === text.length - 1) throw new ListenAddressError(text, 'missing port in address');
    if (text[close + 1] !== ':') throw new ListenAddressError(text, 'missing port in address');
    return { host: text.slice(1, close), port: text.slice(close + 2) };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw new ListenAddressError(text, 'missing port in address');
  const host = text.slice(0, colon);
  if (host.includes(':')) throw new ListenAddressError(text, 'too many colons in address');
  if (host.includes('[') || host.includes(']')) throw new ListenAddressError(text, 'unexpected bracket in address');
  return { host, port: text.slice(colon + 1) };
}

/** Reads `HOST:PORT`; the port must be a number (Go would also look service names up). */
export function parseListenAddress(text: string): ListenAddress {
  const { host, port } = splitHostPort(text);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new ListenAddressError(text, `invalid port "${port}"`);
  return { host, port: Number(port) };
}

/** A directive's `HOST:PORT` argument, checked; errors name the token's line and the plugin. */
export function listenAddressArg(token: Token, plugin: string): string {
  try {
    parseListenAddress(token.text);
  } catch (error) {
    if (error instanceof ListenAddressError) throw new CorefileError(token.file, token.line, error.message, plugin);
    throw error;
  }
  return token.text;
}
