import { describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { parseRrl } from './parse.ts';

const parse = (text: string) => parseRrl(directive(text));

describe('rrl directive', () => {
  it("takes the external plugin's defaults: window 15 s, /24 and /56, nothing limited, 100000 accounts", () => {
    expect(parse('rrl')).toEqual({
      zones: null,
      windowMs: 15_000,
      ipv4PrefixLength: 24,
      ipv6PrefixLength: 56,
      intervalsMs: [0, 0, 0, 0, 0],
      requestIntervalMs: 0,
      slipRatio: 0,
      maxTableSize: 100_000,
      reportOnly: false,
      perNamespace: false,
    });
    expect(parse('rrl {\n}').zones).toBeNull();
  });

  it('reads zones, normalized', () => {
    expect(parse('rrl example.com Cluster.Local.').zones).toEqual(['example.com', 'cluster.local']);
  });

  it('lets nodata, nxdomain, referral and error allowances default to responses-per-second', () => {
    expect(parse('rrl {\n responses-per-second 10\n}').intervalsMs).toEqual([100, 100, 100, 100, 100]);
    const options = parse('rrl {\n nodata-per-second 5\n responses-per-second 10\n nxdomains-per-second 4\n referrals-per-second 2\n errors-per-second 0.5\n}');
    expect(options.intervalsMs).toEqual([100, 200, 250, 500, 2000]);
  });

  it('reads every other property', () => {
    const options = parse(
      'rrl cluster.local {\n window 2.5\n ipv4-prefix-length 32\n ipv6-prefix-length 64\n requests-per-second 100\n slip-ratio 2\n max-table-size 50\n report-only\n per-namespace\n}',
    );
    expect(options).toMatchObject({
      windowMs: 2500,
      ipv4PrefixLength: 32,
      ipv6PrefixLength: 64,
      requestIntervalMs: 10,
      slipRatio: 2,
      maxTableSize: 50,
      reportOnly: true,
      perNamespace: true,
    });
  });

  it('an allowance of 0 leaves the category unlimited, even where responses-per-second limits', () => {
    expect(parse('rrl {\n responses-per-second 10\n nxdomains-per-second 0\n}').intervalsMs).toEqual([100, 100, 0, 100, 100]);
  });

  it('names the line and the property of each error', () => {
    const cases: [string, RegExp][] = [
      ['window 0', /Corefile:3 - Error during parsing: rrl: window must be greater than zero/],
      ['window -1', /Corefile:3 - .*window must be greater than zero/],
      ['window soon', /Corefile:3 - .*window invalid value 'soon': not a number/],
      ['window Inf', /Corefile:3 - .*window invalid value 'Inf'/],
      ['ipv4-prefix-length 0', /Corefile:3 - .*ipv4-prefix-length '0' must be between 1 and 32/],
      ['ipv4-prefix-length 33', /ipv4-prefix-length '33' must be between 1 and 32/],
      ['ipv6-prefix-length 129', /ipv6-prefix-length '129' must be between 1 and 128/],
      ['ipv6-prefix-length 6.5', /ipv6-prefix-length invalid value '6.5': not an integer/],
      ['responses-per-second -1', /Corefile:3 - .*responses-per-second cannot be negative/],
      ['nodata-per-second -1', /nodata-per-second cannot be negative/],
      ['nxdomains-per-second -1', /nxdomains-per-second cannot be negative/],
      ['referrals-per-second -1', /referrals-per-second cannot be negative/],
      ['errors-per-second -1', /errors-per-second cannot be negative/],
      ['requests-per-second -1', /requests-per-second cannot be negative/],
      ['responses-per-second 10 11', /Corefile:3 - .*expected 1 argument, got 2/],
      ['responses-per-second', /Corefile:3 - .*expected 1 argument, got 0/],
      ['slip-ratio 11', /slip-ratio '11' must be between 0 and 10/],
      ['slip-ratio -1', /slip-ratio '-1' must be between 0 and 10/],
      ['max-table-size -1', /Corefile:3 - .*-1 is out of range/],
      ['report-only yes', /Corefile:3 - .*expected no arguments, got 1/],
      ['per-namespace kube-system', /expected no arguments, got 1/],
      ['burst 10', /Corefile:3 - .*rrl: unknown property 'burst'/],
    ];
    for (const [line, error] of cases) expect(() => parse(`rrl {\n ${line}\n}`), line).toThrow(error);
  });
});
