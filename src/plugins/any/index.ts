import type { PluginDefinition } from '../../toolkit/types.ts';
import { anyHandler } from './handler.ts';
import { parseAny } from './parse.ts';

export const anyPlugin: PluginDefinition<null> = {
  name: 'any',
  // CoreDNS sets `any` up once per block whatever its lines; a second handler here never sees an ANY query.
  once: false,
  parse: parseAny,
  setup: () => ({ handler: anyHandler }),
};
