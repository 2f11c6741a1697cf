import type { PluginDefinition } from '../../toolkit/types.ts';
import { whoamiHandler } from './handler.ts';
import { parseWhoami } from './parse.ts';

export const whoamiPlugin: PluginDefinition<null> = {
  name: 'whoami',
  once: false, // CoreDNS accepts a second `whoami` in a block (the first answers)
  parse: parseWhoami,
  setup: () => ({ handler: () => whoamiHandler }),
};
