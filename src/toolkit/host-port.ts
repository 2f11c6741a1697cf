/** `host:port` as Go's net.JoinHostPort writes it: IPv6 in brackets, '' (every interface) as `:53`. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** An address Go would refuse, worded as Go words it (`address localhost: missing port in address`). */
export class HostPortError extends Error {
  readonly address: string;
  constructor(address: string, reason: string) {
    super(`address ${address}: ${reason}`);
    this.name = 'HostPortError';
    this.address = address;
  }
}

/** `host:port`, `[v6]:port` or `:port` split as Go's net.SplitHostPort splits it; the port is not read. */
export function splitHostPort(text: string): { host: string; port: string } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new HostPortError(text, "missing ']' in address");
    if (text[close + 1] !== ':') throw new HostPortError(text, 'missing port in address');
    return { host: text.slice(1, close), port: text.slice(close + 2) };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw new HostPortError(text, 'missing port in address');
  const host = text.slice(0, colon);
  if (host.includes(':')) throw new HostPortError(text, 'too many colons in address');
  if (host.includes('[') || host.includes(']')) throw new HostPortError(text, 'unexpected bracket in address');
  return { host, port: text.slice(colon + 1) };
}

/** A TCP listen address: `:8080`, `localhost:9153`, `[::1]:8181`. */
export interface ListenAddress {
  /** '' for every interface. */
  readonly host: string;
  readonly port: number;
}

/** Reads `HOST:PORT`; the port must be a number (Go would also look service names up). */
export function parseListenAddress(text: string): ListenAddress {
  const { host, port } = splitHostPort(text);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new HostPortError(text, `invalid port "${port}"`);
  return { host, port: Number(port) };
}
