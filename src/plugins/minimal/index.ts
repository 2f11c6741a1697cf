import type { Directive } from '../../corefile/types.ts';
import { argCount, blockDirectives, unknownProperty } from '../../toolkit/args.ts';
import type { PluginDefinition } from '../../toolkit/types.ts';
import { minimalHandler } from './handler.ts';

/** `minimal` takes no arguments and no properties. */
function parseMinimal(directive: Directive): null {
  argCount(directive, 0, 0);
  const [property] = blockDirectives(directive);
  if (property !== undefined) throw unknownProperty(property, directive);
  return null;
}

/** `minimal` (CoreDNS plugin/minimal): successful answers without authority and additional sections. */
export const minimalPlugin: PluginDefinition<null> = {
  name: 'minimal',
  once: true,
  parse: parseMinimal,
  setup: () => ({ handler: minimalHandler() }),
};
