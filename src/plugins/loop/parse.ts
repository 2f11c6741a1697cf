import type { Directive } from '../../corefile/types.ts';
import { argCount, noBlock } from '../../toolkit/args.ts';

/** `loop` takes no arguments and no block. */
export function parseLoop(directive: Directive): null {
  argCount(directive, 0, 0);
  noBlock(directive);
  return null;
}
