import { describe, expect, it } from 'vitest';
import { CorefileError, type Token } from '../corefile/types.ts';
import { directive } from '../test-support/corefile.ts';
import { thrownBy } from '../test-support/errors.ts';
import {
  argCount,
  blockDirectives,
  boolFlag,
  noBlock,
  parseDurationArg,
  parseIntArg,
  parseZonesArg,
  unknownProperty,
} from './args.ts';

const token = (text: string): Token => ({ text, file: 'Corefile', line: 7, quoted: false });

const thrown = (run: () => unknown): CorefileError => thrownBy(CorefileError, run);

describe('argCount', () => {
  it('returns the arguments when their number is within bounds, with no upper bound by default', () => {
    const d = directive('forward . 1.1.1.1 8.8.8.8');
    expect(argCount(d, 2).map((t) => t.text)).toEqual(['.', '1.1.1.1', '8.8.8.8']);
    expect(argCount(d, 1, 3)).toHaveLength(3);
    expect(argCount(directive('loop'), 0, 0)).toEqual([]);
  });

  it('names the directive, its line, and what was expected', () => {
    expect(thrown(() => argCount(directive('reload 1s 2s 3s'), 0, 2)).message).toBe(
      'Corefile:2 - Error during parsing: reload: expected at most 2 arguments, got 3',
    );
    expect(thrown(() => argCount(directive('forward'), 2)).message).toMatch(/forward: expected at least 2 arguments, got 0/);
    expect(thrown(() => argCount(directive('ttl'), 1, 1)).message).toMatch(/ttl: expected 1 argument, got 0/);
    expect(thrown(() => argCount(directive('loop x'), 0, 0)).message).toMatch(/loop: expected no arguments, got 1/);
    expect(thrown(() => argCount(directive('tls a'), 2, 3)).message).toMatch(/tls: expected 2 to 3 arguments, got 1/);
  });

  it('points at the first extra argument when there are too many', () => {
    const d = directive('log a "b\nc" d');
    expect(d.name.line).toBe(2);
    expect(thrown(() => argCount(d, 0, 2)).line).toBe(3);
  });
});

describe('parseIntArg', () => {
  it('reads decimal integers as strconv.Atoi does', () => {
    expect(parseIntArg(token('30'))).toBe(30);
    expect(parseIntArg(token('-5'))).toBe(-5);
    expect(parseIntArg(token('+7'))).toBe(7);
    expect(parseIntArg(token('007'))).toBe(7);
    expect(parseIntArg(token('3600'), { min: 0, max: 3600 })).toBe(3600);
  });

  it('rejects non-integers and values out of range, naming file:line and the property', () => {
    for (const text of ['', 'abc', '1.5', '0x10', '1e3', ' 1', '5s']) {
      expect(thrown(() => parseIntArg(token(text))).message).toMatch(/^Corefile:7 - .*is not an integer/);
    }
    expect(thrown(() => parseIntArg(token('3601'), { min: 0, max: 3600, name: 'ttl' })).message).toBe(
      'Corefile:7 - Error during parsing: ttl: 3601 is out of range [0, 3600]',
    );
    expect(() => parseIntArg(token('-1'), { min: 0 })).toThrow(/out of range/);
    expect(() => parseIntArg(token('99999999999999999999'))).toThrow(/out of range/);
  });
});

describe('parseDurationArg', () => {
  it.each([
    ['5s', 5000],
    ['250ms', 250],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['1.1s', 1100],
    ['500us', 0.5],
    ['500µs', 0.5],
    ['1500ns', 0.0015],
    ['2h45m10.5s', 9_910_500],
    ['0', 0],
    ['+3s', 3000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationArg(token(text))).toBe(ms);
  });

  it('reads a bare number as seconds only when asked to', () => {
    expect(parseDurationArg(token('30'), { bareSeconds: true })).toBe(30_000);
    expect(parseDurationArg(token('2m'), { bareSeconds: true })).toBe(120_000);
    expect(thrown(() => parseDurationArg(token('30'))).message).toMatch(/invalid duration '30': missing unit/);
  });

  it('rejects what Go rejects', () => {
    for (const text of ['', 's', '.s', '5', '5x', '5 s', '1m30', 'm5', '5S', '--5s', '9999999999h']) {
      expect(thrown(() => parseDurationArg(token(text))).message, text).toMatch(/^Corefile:7 - .*invalid duration/);
    }
  });

  it('refuses negative durations unless min allows them, and enforces min and max', () => {
    expect(thrown(() => parseDurationArg(token('-1s'), { name: 'lameduck' })).message).toBe(
      "Corefile:7 - Error during parsing: lameduck: duration '-1s' must not be negative",
    );
    expect(parseDurationArg(token('-1s'), { min: -Infinity })).toBe(-1000);
    expect(thrown(() => parseDurationArg(token('1s'), { min: 2000 })).message).toMatch(/must be at least 2s/);
    expect(thrown(() => parseDurationArg(token('2s'), { max: 1500 })).message).toMatch(/must be at most 1500ms/);
  });
});

describe('parseZonesArg', () => {
  const blockZones = ['cluster.local', ''];

  it('falls back to a copy of the server block zones when there are no arguments', () => {
    const zones = parseZonesArg([], blockZones);
    expect(zones).toEqual(['cluster.local', '']);
    expect(zones).not.toBe(blockZones);
  });

  it('normalizes each argument and drops schemes and ports', () => {
    const tokens = ['.', 'Example.ORG.', 'dns://a.org:53', 'tls://b.org', 'c.org:1053'].map(token);
    expect(parseZonesArg(tokens, blockZones)).toEqual(['', 'example.org', 'a.org', 'b.org', 'c.org']);
  });

  it('expands CIDR arguments to reverse zones', () => {
    expect(parseZonesArg([token('10.0.0.0/8'), token('10.1.0.0/23')], blockZones)).toEqual([
      '10.in-addr.arpa',
      '0.1.10.in-addr.arpa',
      '1.1.10.in-addr.arpa',
    ]);
  });

  it('rejects an argument that is not a zone, naming the directive', () => {
    expect(thrown(() => parseZonesArg([token('a..b')], blockZones, 'kubernetes')).message).toMatch(
      /^Corefile:7 - Error during parsing: kubernetes: zone 'a\.\.b' is not a valid domain name/,
    );
  });
});

describe('blocks and properties', () => {
  const cache = directive('cache 30 {\n  success 100\n  prefetch 10 1m\n  serve_stale\n  bogus 1 {\n  }\n}');

  it('blockDirectives lists block lines, none without a block', () => {
    expect(blockDirectives(cache).map((d) => d.name.text)).toEqual(['success', 'prefetch', 'serve_stale', 'bogus']);
    expect(blockDirectives(directive('loop'))).toEqual([]);
  });

  it('noBlock refuses a block', () => {
    expect(() => noBlock(directive('loop'))).not.toThrow();
    expect(thrown(() => noBlock(cache)).message).toBe('Corefile:2 - Error during parsing: cache: takes no { } block');
  });

  it('unknownProperty words the error as CoreDNS, at the property line, naming the parent directive', () => {
    const bogus = blockDirectives(cache)[3];
    if (bogus === undefined) throw new Error('missing property');
    const error = unknownProperty(bogus, cache);
    expect(error).toBeInstanceOf(CorefileError);
    expect(error.message).toBe("Corefile:6 - Error during parsing: cache: unknown property 'bogus'");
    expect(unknownProperty(bogus).message).toBe("Corefile:6 - Error during parsing: unknown property 'bogus'");
  });

  it('boolFlag accepts a bare switch and refuses arguments or a block', () => {
    const [success, , serveStale, bogus] = blockDirectives(cache);
    if (success === undefined || serveStale === undefined || bogus === undefined) throw new Error('missing');
    expect(boolFlag(serveStale)).toBe(true);
    expect(() => boolFlag(success)).toThrow(/success: expected no arguments, got 1/);
    expect(() => boolFlag(directive('noendpoints {\n}'))).toThrow(/noendpoints: takes no \{ \} block/);
  });
});
