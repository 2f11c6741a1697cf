import { parseCidr, type Cidr } from '../../corefile/reverse.ts';
import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { argCount, blockDirectives, noBlock, parseDurationArg, unknownProperty } from '../../toolkit/args.ts';

export interface RoundRobinOptions {
  readonly policy: 'round_robin';
  /** `prefer CIDR...`: addresses in these networks come first, in this order of networks. */
  readonly prefer: readonly Cidr[];
}

export interface WeightedOptions {
  readonly policy: 'weighted';
  /** The weight file as written: a relative path is read from the working directory, as CoreDNS does without `root`. */
  readonly weightFile: string;
  /** How often the weight file is checked for changes; 0 reads it only at startup. */
  readonly reloadMs: number;
}

export type LoadbalanceOptions = RoundRobinOptions | WeightedOptions;

export const DEFAULT_WEIGHT_RELOAD_MS = 30_000;

const NAME = 'loadbalance';

function errorAt(token: Token, message: string): CorefileError {
  return new CorefileError(token.file, token.line, message, NAME);
}

/**
 * `loadbalance [round_robin] { prefer CIDR... }` or `loadbalance weighted WEIGHTFILE { reload
 * DURATION }`, as CoreDNS 1.14 reads them: a weighted directive's block takes only `reload`.
 */
export function parseLoadbalance(directive: Directive): LoadbalanceOptions {
  const [policy, ...rest] = directive.args;
  if (policy?.text === 'weighted') return parseWeighted(directive, policy, rest);
  if (policy !== undefined) {
    if (policy.text !== 'round_robin') throw errorAt(policy, `unknown policy: ${policy.text}`);
    if (rest[0] !== undefined) throw errorAt(rest[0], `unknown property for ${policy.text}`);
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
  return { policy: 'round_robin', prefer };
}

function parseWeighted(directive: Directive, policy: Token, args: readonly Token[]): WeightedOptions {
  const [weightFile, extra] = args;
  if (weightFile === undefined) throw errorAt(policy, 'missing weight file argument');
  if (extra !== undefined) throw errorAt(extra, 'unexpected argument(s)');
  let reloadMs = DEFAULT_WEIGHT_RELOAD_MS;
  for (const line of blockDirectives(directive)) {
    if (line.name.text !== 'reload') throw unknownProperty(line, directive);
    noBlock(line);
    const [duration, more] = line.args;
    if (duration === undefined) throw errorAt(line.name, 'reload duration value is missing');
    if (more !== undefined) throw errorAt(more, 'unexpected argument');
    reloadMs = parseReload(duration);
  }
  return { policy: 'weighted', weightFile: weightFile.text, reloadMs };
}

/** A Go duration, worded as CoreDNS words a bad one; negative ones are refused (CoreDNS would panic starting its ticker). */
function parseReload(token: Token): number {
  try {
    return parseDurationArg(token, { name: NAME });
  } catch (error) {
    if (error instanceof CorefileError) throw errorAt(token, `invalid reload duration '${token.text}'`);
    throw error;
  }
}
