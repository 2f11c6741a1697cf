import { describe, expect, it } from 'vitest';
import { FlagError, formatUsage, HelpRequested, parseFlags, type FlagSpec } from './flags.ts';

const specs: FlagSpec[] = [
  { name: 'conf', kind: 'string', usage: 'Corefile to load', defaultText: 'Corefile' },
  { name: 'dns.port', kind: 'string', usage: 'Default port', defaultText: '53' },
  { name: 'quiet', kind: 'bool', usage: 'Quiet mode' },
];

function parse(...argv: string[]) {
  const { values, rest } = parseFlags(specs, argv);
  return { values: Object.fromEntries(values), rest };
}

describe('parseFlags', () => {
  it('reads -flag value, --flag value and -flag=value alike', () => {
    expect(parse('-conf', 'a', '--dns.port', '1053').values).toEqual({ conf: 'a', 'dns.port': '1053' });
    expect(parse('--conf=b', '-dns.port=5300').values).toEqual({ conf: 'b', 'dns.port': '5300' });
    expect(parse('-conf=').values).toEqual({ conf: '' });
  });

  it('sets bool flags without a value, and takes Go boolean words after =', () => {
    expect(parse('-quiet').values).toEqual({ quiet: true });
    expect(parse('--quiet=false').values).toEqual({ quiet: false });
    expect(parse('-quiet=T').values).toEqual({ quiet: true });
    expect(() => parse('-quiet=yes')).toThrow('invalid boolean value "yes" for -quiet: parse error');
  });

  it('stops at the first non-flag, at "-" and after "--"', () => {
    expect(parse('-quiet', 'resolve', '-conf', 'x')).toEqual({ values: { quiet: true }, rest: ['resolve', '-conf', 'x'] });
    expect(parse('-quiet', 'false').rest).toEqual(['false']);
    expect(parse('-', '-quiet').rest).toEqual(['-', '-quiet']);
    expect(parse('--', '-quiet')).toEqual({ values: {}, rest: ['-quiet'] });
  });

  it('words errors as Go does', () => {
    expect(() => parse('-nope')).toThrow(new FlagError('flag provided but not defined: -nope'));
    expect(() => parse('-conf')).toThrow('flag needs an argument: -conf');
    expect(() => parse('---conf')).toThrow('bad flag syntax: ---conf');
    expect(() => parse('-=x')).toThrow('bad flag syntax: -=x');
  });

  it('asks for help on -h and -help', () => {
    expect(() => parse('-h')).toThrow(HelpRequested);
    expect(() => parse('--help')).toThrow(HelpRequested);
  });
});

describe('formatUsage', () => {
  it('lists flags sorted by name with type and default, as Go does', () => {
    expect(formatUsage('clusterdns', [...specs].reverse())).toBe(
      [
        'Usage of clusterdns:',
        '  -conf string',
        '    \tCorefile to load (default "Corefile")',
        '  -dns.port string',
        '    \tDefault port (default "53")',
        '  -quiet',
        '    \tQuiet mode',
        '',
      ].join('\n'),
    );
  });
});
