/** `host:port` as Go's net.JoinHostPort writes it: IPv6 in brackets, '' (every interface) as `:53`. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
