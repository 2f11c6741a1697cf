import { RCode } from '../dns/constants.ts';

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
