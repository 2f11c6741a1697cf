import { parseCorefile } from '../corefile/parse.ts';
import type { Directive } from '../corefile/types.ts';

/**
 * The directives of a one-block Corefile, parsed for real: file `Corefile`, the block's keys on
 * line 1, `text` from line 2, no environment variables.
 */
export function directives(text: string, keys = '.'): readonly Directive[] {
  const block = parseCorefile(`${keys} {\n${text}\n}\n`, 'Corefile', { env: {} }).blocks[0];
  if (block === undefined) throw new Error('no server block parsed');
  return block.directives;
}

/** The first directive of a one-block Corefile (see `directives`). */
export function directive(text: string, keys = '.'): Directive {
  const first = directives(text, keys)[0];
  if (first === undefined) throw new Error('no directive parsed');
  return first;
}
