import { stdoutLine, type LineWriter } from '../../toolkit/console.ts';
import type { PluginDefinition } from '../../toolkit/types.ts';
import { logHandler } from './handler.ts';
import { parseLog, type LogOptions } from './parse.ts';

/** The log plugin writing its lines through `write` (stdout in the server; a capture in tests). */
export function createLogPlugin(write: LineWriter): PluginDefinition<LogOptions> {
  return {
    name: 'log',
    // Several `log` lines in a block add rules, as in CoreDNS.
    once: false,
    parse: parseLog,
    setup: (options) => ({ handler: logHandler(options.rules, write) }),
  };
}

export const logPlugin = createLogPlugin(stdoutLine);
