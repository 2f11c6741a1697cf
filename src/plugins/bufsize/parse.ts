import type { Directive } from '../../corefile/types.ts';
import { argCount, blockDirectives, parseIntArg, unknownProperty } from '../../toolkit/args.ts';

/** DNS Flag Day 2020's size, CoreDNS's default. */
const DEFAULT_SIZE = 1232;

/** `bufsize [SIZE]` as CoreDNS 1.14 reads it: SIZE from 512 to 4096 (RFC 6891). */
export function parseBufsize(directive: Directive): number {
  const [size] = argCount(directive, 0, 1);
  const [property] = blockDirectives(directive);
  if (property !== undefined) throw unknownProperty(property, directive);
  return size === undefined ? DEFAULT_SIZE : parseIntArg(size, { min: 512, max: 4096, name: 'bufsize' });
}
