import { RCode } from '../dns/constants.ts';
import { joinHostPort } from './host-port.ts';
import type { Transport } from './types.ts';

/**
 * A plugin's failure with the RCODE to answer, as a CoreDNS plugin returns (rcode, error): the
 * query is answered with `rcode`, and `errors` logs the message. Any other error a handler throws
 * is answered SERVFAIL.
 */
export class PluginError extends Error {
  readonly plugin: string;
  readonly rcode: number;
  constructor(plugin: string, rcode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PluginError';
    this.plugin = plugin;
    this.rcode = rcode;
  }
}

/** The RCODE a handler's failure is answered with: its own for a PluginError, else SERVFAIL. */
export function failureRcode(error: unknown): number {
  return error instanceof PluginError ? error.rcode : RCode.SERVFAIL;
}

/** The errno texts Go prints for a failed bind, so startup errors read as CoreDNS's. */
const BIND_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'bind: address already in use',
  EACCES: 'bind: permission denied',
  EADDRNOTAVAIL: 'bind: cannot assign requested address',
};

/** A socket could not be opened: `listen tcp :53: bind: address already in use`, as Go words it. */
export class ListenError extends Error {
  readonly transport: Transport;
  readonly address: string;
  readonly port: number;
  readonly code: string | undefined;
  constructor(transport: Transport, address: string, port: number, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const reason = (code && BIND_ERRORS[code]) ?? (cause instanceof Error ? cause.message : String(cause));
    super(`listen ${transport} ${joinHostPort(address, port)}: ${reason}`, { cause });
    this.name = 'ListenError';
    this.transport = transport;
    this.address = address;
    this.port = port;
    this.code = code;
  }
}
