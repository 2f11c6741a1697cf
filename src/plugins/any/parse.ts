import type { Directive } from '../../corefile/types.ts';
import { argCount, blockDirectives, unknownProperty } from '../../toolkit/args.ts';

/** `any` takes no arguments and no properties. */
export function parseAny(directive: Directive): null {
  argCount(directive, 0, 0);
  const [property] = blockDirectives(directive);
  if (property !== undefined) throw unknownProperty(property, directive);
  return null;
}
