import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import type { DomainName } from '../../dns/types.ts';
import { argCount, blockDirectives, boolFlag, noBlock, parseIntArg, parseZonesArg, unknownProperty } from '../../toolkit/args.ts';

/** The response categories of BIND's RRL, each with its own allowance; also the index into `intervalsMs`. */
export const Category = { RESPONSE: 0, NODATA: 1, NXDOMAIN: 2, REFERRAL: 3, ERROR: 4 } as const;
export type Category = (typeof Category)[keyof typeof Category];

export interface RrlOptions {
  /** Zones given as arguments; null means the server block's. */
  readonly zones: readonly DomainName[] | null;
  /** How far an account may go into debt, in milliseconds of allowance (`window` seconds). */
  readonly windowMs: number;
  readonly ipv4PrefixLength: number;
  readonly ipv6PrefixLength: number;
  /** Milliseconds between the responses each Category allows (1000 / its per-second); 0 leaves it unlimited. */
  readonly intervalsMs: readonly [number, number, number, number, number];
  /** The same for requests of a client, whatever their answer; 0 leaves them unlimited. */
  readonly requestIntervalMs: number;
  /** Every Nth response over the limit is sent empty with TC instead of dropped; 0 drops them all. */
  readonly slipRatio: number;
  /** Accounts kept at once; a response whose account finds no room is not limited. */
  readonly maxTableSize: number;
  /** Counts what exceeds the limits without dropping it. */
  readonly reportOnly: boolean;
  /** clusterdns's own: a client the cluster knows as a pod is accounted by its namespace instead of its prefix. */
  readonly perNamespace: boolean;
}

/** The external plugin's defaults (setup.go's defaultRRL). */
const DEFAULT_WINDOW_SECONDS = 15;
const DEFAULT_IPV4_PREFIX = 24;
const DEFAULT_IPV6_PREFIX = 56;
const DEFAULT_MAX_TABLE_SIZE = 100_000;
const MAX_SLIP_RATIO = 10;
const MS_PER_SECOND = 1000;

/** What strconv.ParseFloat takes, less Go's `Inf` and `NaN`, which no allowance means. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, 'rrl');
}

function oneArg(line: Directive): Token {
  noBlock(line);
  return argCount(line, 1, 1)[0]!;
}

function decimal(line: Directive): number {
  const token = oneArg(line);
  const value = Number(token.text);
  if (!DECIMAL.test(token.text) || !Number.isFinite(value)) fail(token, `${line.name.text} invalid value '${token.text}': not a number`);
  return value;
}

/** An `*-per-second` allowance as the milliseconds between the responses it allows; 0 for none. */
function interval(line: Directive): number {
  const perSecond = decimal(line);
  if (perSecond < 0) fail(line.args[0]!, `${line.name.text} cannot be negative`);
  return perSecond === 0 ? 0 : MS_PER_SECOND / perSecond;
}

function integer(line: Directive, min: number, max: number): number {
  const token = oneArg(line);
  if (!/^[+-]?\d+$/.test(token.text)) fail(token, `${line.name.text} invalid value '${token.text}': not an integer`);
  const value = Number(token.text);
  if (value < min || value > max) fail(token, `${line.name.text} '${token.text}' must be between ${min} and ${max}`);
  return value;
}

/**
 * `rrl [ZONES...] { window SECONDS; ipv4-prefix-length N; ipv6-prefix-length N;
 * responses-per-second N; nodata-per-second N; nxdomains-per-second N; referrals-per-second N;
 * errors-per-second N; requests-per-second N; slip-ratio N; max-table-size N; report-only;
 * per-namespace }`, as github.com/coredns/rrl's setup reads it, plus `per-namespace`. The
 * nodata, nxdomain, referral and error allowances default to responses-per-second.
 */
export function parseRrl(directive: Directive): RrlOptions {
  const zones = directive.args.length > 0 ? parseZonesArg(directive.args, [], 'rrl') : null;
  let windowMs = DEFAULT_WINDOW_SECONDS * MS_PER_SECOND;
  let ipv4PrefixLength = DEFAULT_IPV4_PREFIX;
  let ipv6PrefixLength = DEFAULT_IPV6_PREFIX;
  let responses = 0;
  const others: (number | null)[] = [null, null, null, null];
  let requestIntervalMs = 0;
  let slipRatio = 0;
  let maxTableSize = DEFAULT_MAX_TABLE_SIZE;
  let reportOnly = false;
  let perNamespace = false;
  for (const line of blockDirectives(directive)) {
    switch (line.name.text) {
      case 'window': {
        const seconds = decimal(line);
        if (seconds <= 0) fail(line.args[0]!, 'window must be greater than zero');
        windowMs = seconds * MS_PER_SECOND;
        break;
      }
      case 'ipv4-prefix-length':
        ipv4PrefixLength = integer(line, 1, 32);
        break;
      case 'ipv6-prefix-length':
        ipv6PrefixLength = integer(line, 1, 128);
        break;
      case 'responses-per-second':
        responses = interval(line);
        break;
      case 'nodata-per-second':
        others[0] = interval(line);
        break;
      case 'nxdomains-per-second':
        others[1] = interval(line);
        break;
      case 'referrals-per-second':
        others[2] = interval(line);
        break;
      case 'errors-per-second':
        others[3] = interval(line);
        break;
      case 'requests-per-second':
        requestIntervalMs = interval(line);
        break;
      case 'slip-ratio':
        slipRatio = integer(line, 0, MAX_SLIP_RATIO);
        break;
      case 'max-table-size':
        maxTableSize = parseIntArg(oneArg(line), { min: 0, name: 'rrl' });
        break;
      case 'report-only':
        reportOnly = boolFlag(line);
        break;
      case 'per-namespace':
        perNamespace = boolFlag(line);
        break;
      default:
        throw unknownProperty(line, directive);
    }
  }
  const [nodata, nxdomain, referral, error] = others.map((value) => value ?? responses) as [number, number, number, number];
  return {
    zones,
    windowMs,
    ipv4PrefixLength,
    ipv6PrefixLength,
    intervalsMs: [responses, nodata, nxdomain, referral, error],
    requestIntervalMs,
    slipRatio,
    maxTableSize,
    reportOnly,
    perNamespace,
  };
}
