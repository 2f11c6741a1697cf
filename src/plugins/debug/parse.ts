import type { Directive } from '../../corefile/types.ts';
import { argCount, noBlock } from '../../toolkit/args.ts';

/** `debug` takes no arguments and no block (CoreDNS refuses `debug off`). */
export function parseDebug(directive: Directive): null {
  argCount(directive, 0, 0);
  noBlock(directive);
  return null;
}
