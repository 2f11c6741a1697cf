import { hostname } from 'node:os';
import { CorefileError, type Directive } from '../../corefile/types.ts';
import { noBlock } from '../../toolkit/args.ts';

/** The most an EDNS option's data holds (its length is 16 bits). */
const MAX_OPTION_DATA = 0xffff;

/** `nsid [DATA...]` as CoreDNS 1.14 reads it: the arguments joined by spaces, else the host's name. */
export function parseNsid(directive: Directive): string {
  noBlock(directive);
  if (directive.args.length === 0) return hostname() || 'localhost';
  const data = directive.args.map((token) => token.text).join(' ');
  if (Buffer.byteLength(data) > MAX_OPTION_DATA) {
    const { name } = directive;
    throw new CorefileError(name.file, name.line, `DATA longer than an EDNS option holds (${MAX_OPTION_DATA} bytes)`, 'nsid');
  }
  return data;
}
