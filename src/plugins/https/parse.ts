import type { Directive } from '../../corefile/types.ts';
import { argCount, blockDirectives, parseIntArg, unknownProperty } from '../../toolkit/args.ts';
import type { HttpsServerOptions } from '../../toolkit/types.ts';

const DEFAULT_MAX_CONNECTIONS = 200;

/** `https { max_connections N }` as CoreDNS 1.14 reads it: N of 0 lifts the limit. */
export function parseHttps(directive: Directive): HttpsServerOptions {
  argCount(directive, 0, 0);
  let maxConnections = DEFAULT_MAX_CONNECTIONS;
  for (const line of blockDirectives(directive)) {
    if (line.name.text !== 'max_connections') throw unknownProperty(line, directive);
    const [count] = argCount(line, 1, 1);
    maxConnections = parseIntArg(count!, { min: 0, name: 'max_connections' });
  }
  return { maxConnections };
}
