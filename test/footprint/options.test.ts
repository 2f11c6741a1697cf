import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERIES, DEFAULT_RUNS, FootprintOptionsError, parseFootprintOptions, USAGE } from '../../scripts/footprint/options.ts';

describe('npm run footprint options', () => {
  it('defaults to every size, 200k queries, no JSON', () => {
    const options = parseFootprintOptions([]);
    expect(options.sizes.map((s) => s.name)).toEqual(['small', 'large', 'large+pods']);
    expect(options.queries).toBe(DEFAULT_QUERIES);
    expect(DEFAULT_QUERIES).toBe(200_000);
    expect(options.json).toBeNull();
    expect(options.help).toBe(false);
    expect(options.runs).toBe(DEFAULT_RUNS);
    expect(DEFAULT_RUNS).toBe(1);
  });

  it("passes -workers to the server when given, else leaves the server's default", () => {
    expect(parseFootprintOptions([]).workers).toBeNull();
    expect(parseFootprintOptions(['--workers', '2']).workers).toBe(2);
    for (const workers of ['0', 'two', '1.5']) expect(() => parseFootprintOptions(['--workers', workers]), workers).toThrow(/--workers: want a number of threads from 1/);
  });

  it('takes how many times to measure each size', () => {
    expect(parseFootprintOptions(['--runs', '3']).runs).toBe(3);
    expect(parseFootprintOptions(['--runs=5', '--sizes', 'small']).runs).toBe(5);
  });

  it('refuses a run count that is not a positive integer, and says so', () => {
    const refusal = (runs: string) => `--runs: want a positive integer (how many times to measure each size), got ${JSON.stringify(runs)}`;
    for (const runs of ['0', '-1', '-3', '1.5', '2.0', '1e2', 'three', '']) {
      expect(() => parseFootprintOptions(['--runs', runs]), runs).toThrow(FootprintOptionsError);
      expect(() => parseFootprintOptions(['--runs', runs]), runs).toThrow(refusal(runs));
    }
    expect(() => parseFootprintOptions(['--runs=-2'])).toThrow(refusal('-2'));
    expect(() => parseFootprintOptions(['--runs'])).toThrow(FootprintOptionsError);
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
    expect(() => parseFootprintOptions(['--queries', '-5'])).toThrow('--queries: want a non-negative integer, got "-5"');
    expect(() => parseFootprintOptions(['--queries', '1e3'])).toThrow(/--queries/);
    expect(() => parseFootprintOptions(['--json', ''])).toThrow(/--json/);
    expect(() => parseFootprintOptions(['--bogus'])).toThrow(FootprintOptionsError);
  });

  it('documents every size and says what MB means', () => {
    expect(USAGE).toContain('--sizes');
    expect(USAGE).toContain('--runs N');
    expect(USAGE).toContain('compare medians of 3 or more');
    expect(USAGE).toContain('large+pods = 10000 services, 50000 endpoints, 50000 pods (pods verified, autopath)');
    expect(USAGE).toContain('MB = 2^20 bytes');
  });
});
