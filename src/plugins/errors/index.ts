import { stdoutLine, type LineWriter } from '../../toolkit/console.ts';
import type { PluginDefinition } from '../../toolkit/types.ts';
import { ErrorReporter, errorsHandler } from './handler.ts';
import { parseErrors, type ErrorsOptions } from './parse.ts';

/** The errors plugin writing its lines through `write` (stdout in the server; a capture in tests). */
export function createErrorsPlugin(write: LineWriter): PluginDefinition<ErrorsOptions> {
  return {
    name: 'errors',
    once: true,
    parse: parseErrors,
    setup: (options, context) => {
      const reporter = new ErrorReporter(options, write);
      context.onShutdown(() => reporter.stop());
      return { handler: errorsHandler(reporter) };
    },
  };
}

export const errorsPlugin = createErrorsPlugin(stdoutLine);
