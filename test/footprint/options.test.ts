import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERIES, FootprintOptionsError, parseFootprintOptions, USAGE } from '../../scripts/footprint/options.ts';

describe('npm run footprint options', () => {
  it('defaults to every size, 200k queries, no JSON', () => {
    const options = parseFootprintOptions([]);
    expect(options.sizes.map((s) => s.name)).toEqual(['small', 'large', 'large+pods']);
    expect(options.queries).toBe(DEFAULT_QUERIES);
    expect(DEFAULT_QUERIES).toBe(200_000);
    expect(options.json).toBeNull();
    expect(options.help).toBe(false);
  });

  it('takes sizes in the order given, once each, and the other options', () => {
    const options = parseFootprintOptions(['--sizes', 'large+pods, small,small', '--queries', '0', '--json', 'out.json']);
    expect(options.sizes.map((s) => s.name)).toEqual(['large+pods', 'small']);
    expect(options.queries).toBe(0);
    expect(options.json).toBe('out.json');
    expect(parseFootprintOptions(['--help']).help).toBe(true);
    expect(parseFootprintOptions(['-h']).help).toBe(true);
  });

  it('refuses unknown sizes and options, bad counts and an empty size list', () => {
    expect(() => parseFootprintOptions(['--sizes', 'huge'])).toThrow(/unknown size "huge" \(known: small, large, large\+pods\)/);
    expect(() => parseFootprintOptions(['--sizes', ','])).toThrow(FootprintOptionsError);
    expect(() => parseFootprintOptions(['--queries', '-5'])).toThrow(/--queries/);
    expect(() => parseFootprintOptions(['--queries', '1e3'])).toThrow(/--queries/);
    expect(() => parseFootprintOptions(['--json', ''])).toThrow(/--json/);
    expect(() => parseFootprintOptions(['--bogus'])).toThrow(FootprintOptionsError);
  });

  it('documents every size and says what MB means', () => {
    expect(USAGE).toContain('--sizes');
    expect(USAGE).toContain('large+pods = 10000 services, 50000 endpoints, 50000 pods (pods verified, autopath)');
    expect(USAGE).toContain('MB = 2^20 bytes');
  });
});
