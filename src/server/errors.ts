import { RCode } from '../dns/constants.ts';
import { PluginError } from '../toolkit/errors.ts';

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** A plugin's setup() failed: CoreDNS words it `plugin/<name>: <cause>`. */
export class PluginSetupError extends Error {
  readonly plugin: string;
  readonly file: string;
  readonly line: number;
  constructor(plugin: string, file: string, line: number, cause: unknown) {
    super(`plugin/${plugin}: ${describe(cause)}`, { cause });
    this.name = 'PluginSetupError';
    this.plugin = plugin;
    this.file = file;
    this.line = line;
  }
}

/** A plugin's start() rejected before the listeners opened. */
export class PluginStartError extends Error {
  readonly plugin: string;
  constructor(plugin: string, cause: unknown) {
    super(`plugin/${plugin}: ${describe(cause)}`, { cause });
    this.name = 'PluginStartError';
    this.plugin = plugin;
  }
}

/**
 * The end of a chain was reached: no plugin answered. CoreDNS answers SERVFAIL and reports it to
 * `errors` only; like every PluginError, the server does not log it, so a misrouted name cannot
 * flood the log.
 */
export class NoNextPluginError extends PluginError {
  constructor(plugin: string) {
    super(plugin, RCode.SERVFAIL, `plugin/${plugin}: no next plugin found`);
    this.name = 'NoNextPluginError';
  }
}

/** For plugins set up outside a running server (unit tests): reloading is not possible there. */
export class NoServerError extends Error {
  constructor() {
    super('no running server to reload');
    this.name = 'NoServerError';
  }
}
