import { parseCidr, type Cidr } from '../../corefile/reverse.ts';
import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { argCount, blockDirectives, noBlock, unknownProperty } from '../../toolkit/args.ts';

export interface LoadbalanceOptions {
  /** `prefer CIDR...`: addresses in these networks come first, in this order of networks. */
  readonly prefer: readonly Cidr[];
}

const NAME = 'loadbalance';

function errorAt(token: Token, message: string): CorefileError {
  return new CorefileError(token.file, token.line, message, NAME);
}

/**
 * `loadbalance [round_robin] { prefer CIDR... }` as CoreDNS 1.14 reads it. The `weighted` policy
 * (a weight file) is not implemented: it is refused by name rather than mistaken for a typo.
 */
export function parseLoadbalance(directive: Directive): LoadbalanceOptions {
  const [policy, extra] = directive.args;
  if (policy !== undefined) {
    if (policy.text === 'weighted') throw errorAt(policy, 'the weighted policy is not supported by clusterdns; use round_robin');
    if (policy.text !== 'round_robin') throw errorAt(policy, `unknown policy: ${policy.text}`);
    if (extra !== undefined) throw errorAt(extra, `unknown property for ${policy.text}`);
  }
  const prefer: Cidr[] = [];
  for (const line of blockDirectives(directive)) {
    if (line.name.text !== 'prefer') throw unknownProperty(line, directive);
    noBlock(line);
    for (const arg of argCount(line, 0)) {
      const cidr = parseCidr(arg.text);
      if (cidr === null) throw errorAt(arg, `invalid CIDR "${arg.text}"`);
      prefer.push(cidr);
    }
  }
  return { prefer };
}
