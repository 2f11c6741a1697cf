import type { PluginDefinition } from '../../toolkit/types.ts';
import { parseDebug } from './parse.ts';

/** What the operator who wrote `debug` is told, once per block and load. */
export const DEBUG_NOTE =
  'debug changes nothing in clusterdns: a failing plugin is still answered SERVFAIL and logged, never a crash; set CLUSTERDNS_LOG_LEVEL=debug for debug logs';

/**
 * `debug` (CoreDNS plugin/debug) is accepted so that Corefiles written for CoreDNS load. CoreDNS
 * stops recovering from panics and prints debug logs; here a handler's failure is always answered
 * and logged, and the log level is the process's (CLUSTERDNS_LOG_LEVEL).
 */
export const debugPlugin: PluginDefinition<null> = {
  name: 'debug',
  once: false,
  parse: parseDebug,
  setup: (_options, context) => {
    context.logger.info(DEBUG_NOTE);
    return {};
  },
};
