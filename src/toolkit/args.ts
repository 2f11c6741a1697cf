import { splitScheme, splitZonePort } from '../corefile/address.ts';
import { CorefileError, type Directive, type Token } from '../corefile/types.ts';
import type { DomainName } from '../dns/types.ts';
import { HostPortError, parseListenAddress } from './host-port.ts';

/*
 * Helpers for plugins' `parse(directive)`, shaped after how CoreDNS setup functions use caddy's
 * dispenser: RemainingArgs -> argCount, NextBlock -> blockDirectives, strconv.Atoi ->
 * parseIntArg, time.ParseDuration -> parseDurationArg, plugin.OriginsFromArgsOrServerBlock ->
 * parseZonesArg, `unknown property '%s'` -> unknownProperty. Every error is a CorefileError at
 * the offending token's file:line; `name` options name the directive or property for the message.
 */

function errorAt(token: Token, message: string, directive?: string): CorefileError {
  return new CorefileError(token.file, token.line, message, directive);
}

function plural(count: number): string {
  return count === 1 ? '1 argument' : `${count} arguments`;
}

function expectedCount(min: number, max: number): string {
  if (min === max) return min === 0 ? 'no arguments' : plural(min);
  if (max === Number.POSITIVE_INFINITY) return `at least ${plural(min)}`;
  if (min === 0) return `at most ${plural(max)}`;
  return `${min} to ${max} arguments`;
}

/**
 * Checks that a directive has between `min` and `max` arguments (no upper bound when `max` is
 * left out: pass it equal to `min` for an exact count) and returns them.
 */
export function argCount(d: Directive, min: number, max: number = Number.POSITIVE_INFINITY): readonly Token[] {
  const count = d.args.length;
  if (count >= min && count <= max) return d.args;
  const at = count > max ? (d.args[max] ?? d.name) : d.name;
  throw errorAt(at, `expected ${expectedCount(min, max)}, got ${count}`, d.name.text);
}

export interface IntOptions {
  readonly min?: number;
  readonly max?: number;
  /** The directive or property the number belongs to, for the error. */
  readonly name?: string;
}

/** A decimal integer as Go's strconv.Atoi reads it (optional sign, leading zeros), within [min, max]. */
export function parseIntArg(token: Token, options: IntOptions = {}): number {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER, name } = options;
  if (!/^[+-]?\d+$/.test(token.text)) throw errorAt(token, `'${token.text}' is not an integer`, name);
  const value = Number(token.text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw errorAt(token, `${token.text} is out of range [${min}, ${max}]`, name);
  }
  return value;
}

export interface DurationOptions {
  /** Least accepted value in milliseconds; 0 unless given, as negative durations are refused by CoreDNS plugins. */
  readonly min?: number;
  /** Largest accepted value in milliseconds. */
  readonly max?: number;
  /** Reads a bare number as seconds, as CoreDNS's durations.NewDurationFromArg does (`timeouts`). */
  readonly bareSeconds?: boolean;
  /** The directive or property the duration belongs to, for the error. */
  readonly name?: string;
}

const NANOSECONDS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const DURATION_COMPONENT = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;
const MAX_DURATION_NS = 2n ** 63n - 1n;

/** Nanoseconds of a Go duration (`1h30m`, `1.5s`, `-250ms`, `0`), or null when Go would reject it. */
function goDurationNanoseconds(text: string): bigint | null {
  const negative = text.startsWith('-');
  const unsigned = negative || text.startsWith('+') ? text.slice(1) : text;
  if (unsigned === '0') return 0n;
  if (unsigned === '') return null;
  let total = 0n;
  for (let position = 0; position < unsigned.length; ) {
    DURATION_COMPONENT.lastIndex = position;
    const match = DURATION_COMPONENT.exec(unsigned);
    if (match === null) return null;
    const [, whole = '', fraction = '', unit = ''] = match;
    if (whole === '' && fraction === '') return null;
    const scale = NANOSECONDS_PER_UNIT[unit] ?? 0n;
    total += BigInt(whole || '0') * scale;
    if (fraction !== '') total += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
    if (total > MAX_DURATION_NS) return null;
    position = DURATION_COMPONENT.lastIndex;
  }
  return negative ? -total : total;
}

function formatMilliseconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A Go duration (`5s`, `1m30s`, `250ms`, `1h`) in milliseconds, possibly fractional (`500us` -> 0.5). */
export function parseDurationArg(token: Token, options: DurationOptions = {}): number {
  const { min = 0, max = Number.POSITIVE_INFINITY, bareSeconds = false, name } = options;
  const bareNumber = /^[+-]?\d+$/.test(token.text);
  const nanoseconds = goDurationNanoseconds(bareSeconds && bareNumber ? `${token.text}s` : token.text);
  if (nanoseconds === null) {
    const hint = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(token.text) ? 'missing unit' : 'expected a duration like 5s, 1m30s or 250ms';
    throw errorAt(token, `invalid duration '${token.text}': ${hint}`, name);
  }
  const ms = Number(nanoseconds) / 1e6;
  if (ms < min) {
    const bound = min === 0 ? 'must not be negative' : `must be at least ${formatMilliseconds(min)}`;
    throw errorAt(token, `duration '${token.text}' ${bound}`, name);
  }
  if (ms > max) throw errorAt(token, `duration '${token.text}' must be at most ${formatMilliseconds(max)}`, name);
  return ms;
}

/**
 * The zones a plugin is authoritative for, as CoreDNS's plugin.OriginsFromArgsOrServerBlock: no
 * arguments -> the server block's zones; otherwise each argument without scheme or port,
 * normalized ('.' -> ''), a CIDR expanded to its reverse zones. Unlike CoreDNS, an argument that
 * is not a valid zone is an error rather than silently dropped.
 */
export function parseZonesArg(
  tokens: readonly Token[],
  blockZones: readonly DomainName[],
  name?: string,
): DomainName[] {
  if (tokens.length === 0) return [...blockZones];
  const zones: DomainName[] = [];
  for (const token of tokens) zones.push(...splitZonePort(splitScheme(token.text).rest, token, name).zones);
  return zones;
}

/** Refuses a `{ }` block on a directive or property that takes none. */
export function noBlock(d: Directive): void {
  if (d.block !== null) throw errorAt(d.name, 'takes no { } block', d.name.text);
}

/** The lines of a directive's block, none when it has no block. */
export function blockDirectives(d: Directive): readonly Directive[] {
  return d.block ?? [];
}

/** The error for a block line a plugin does not know, worded as CoreDNS words it. */
export function unknownProperty(sub: Directive, parent?: Directive): CorefileError {
  return errorAt(sub.name, `unknown property '${sub.name.text}'`, parent?.name.text);
}

/** A property that is a bare switch (`noendpoints`, `force_tcp`): no arguments, no block. */
export function boolFlag(sub: Directive): true {
  argCount(sub, 0, 0);
  noBlock(sub);
  return true;
}

/** A directive's `HOST:PORT` argument (health, ready, prometheus), checked as Go reads it. */
export function listenAddressArg(token: Token, plugin: string): string {
  try {
    parseListenAddress(token.text);
  } catch (error) {
    if (error instanceof HostPortError) throw errorAt(token, error.message, plugin);
    throw error;
  }
  return token.text;
}
