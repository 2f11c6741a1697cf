import type { Directive } from '../../corefile/types.ts';
import { argCount, noBlock } from '../../toolkit/args.ts';

/** `whoami` takes no arguments and no block. */
export function parseWhoami(directive: Directive): null {
  argCount(directive, 0, 0);
  noBlock(directive);
  return null;
}
