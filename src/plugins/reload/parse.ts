import { CorefileError, type Directive } from '../../corefile/types.ts';
import { argCount, noBlock, parseDurationArg } from '../../toolkit/args.ts';

export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_JITTER_MS = 15_000;
const MIN_INTERVAL_MS = 2_000;
const MIN_JITTER_MS = 1_000;

export interface ReloadOptions {
  readonly intervalMs: number;
  /** At most half the interval; 0 checks at exactly the interval. */
  readonly jitterMs: number;
}

/** `reload [INTERVAL] [JITTER]` as CoreDNS reads it: interval at least 2s, jitter 0 or at least 1s. */
export function parseReload(directive: Directive): ReloadOptions {
  const [intervalArg, jitterArg] = argCount(directive, 0, 2);
  noBlock(directive);
  const intervalMs = intervalArg === undefined ? DEFAULT_INTERVAL_MS : parseDurationArg(intervalArg, { name: 'reload' });
  if (intervalMs < MIN_INTERVAL_MS) {
    const at = intervalArg ?? directive.name;
    throw new CorefileError(at.file, at.line, 'interval value must be greater or equal to 2s', 'reload');
  }
  let jitterMs = jitterArg === undefined ? DEFAULT_JITTER_MS : parseDurationArg(jitterArg, { name: 'reload' });
  if (jitterMs !== 0 && jitterMs < MIN_JITTER_MS) {
    throw new CorefileError(jitterArg!.file, jitterArg!.line, 'jitter value must be 0 or greater or equal to 1s', 'reload');
  }
  jitterMs = Math.min(jitterMs, intervalMs / 2);
  return { intervalMs, jitterMs };
}

/** The check period of one configuration: the interval moved by up to half the jitter either way, as CoreDNS. */
export function jitteredInterval(options: ReloadOptions, random: () => number = Math.random): number {
  if (options.jitterMs === 0) return options.intervalMs;
  return options.intervalMs + Math.floor(random() * options.jitterMs) - options.jitterMs / 2;
}
