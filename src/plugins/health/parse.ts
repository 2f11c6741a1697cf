import type { Directive } from '../../corefile/types.ts';
import { argCount, blockDirectives, listenAddressArg, noBlock, parseDurationArg, unknownProperty } from '../../toolkit/args.ts';

export const DEFAULT_HEALTH_ADDRESS = ':8080';

export interface HealthOptions {
  readonly address: string;
  /** How long a stop keeps serving DNS and /health before closing; 0 for none. */
  readonly lameduckMs: number;
}

/** `health [ADDRESS] { lameduck DURATION }` as CoreDNS reads it. */
export function parseHealth(directive: Directive): HealthOptions {
  const [address] = argCount(directive, 0, 1);
  let lameduckMs = 0;
  for (const line of blockDirectives(directive)) {
    if (line.name.text !== 'lameduck') throw unknownProperty(line, directive);
    noBlock(line);
    const [duration] = argCount(line, 1, 1);
    lameduckMs = parseDurationArg(duration!, { name: 'health' });
  }
  return { address: address === undefined ? DEFAULT_HEALTH_ADDRESS : listenAddressArg(address, 'health'), lameduckMs };
}
