import { describe, expect, it } from 'vitest';
import { thrownBy } from '../test-support/errors.ts';
import { compileGoPattern, GoPatternError, groupCount, MAX_PATTERN_LENGTH } from './go-regex.ts';

function refusal(pattern: string): GoPatternError {
  return thrownBy(GoPatternError, () => compileGoPattern(pattern));
}

describe('compileGoPattern', () => {
  it('reads named groups written as Go writes them, and as JavaScript does', () => {
    const match = compileGoPattern('^ip-(?P<a>[0-9]+)-(?<b>[0-9]+)[.]example[.]$').exec('ip-10-20.example.');
    expect(match?.groups).toEqual({ a: '10', b: '20' });
  });

  it('takes leading flags as RegExp flags', () => {
    expect(compileGoPattern('(?i)^FOO$').test('foo')).toBe(true);
    expect(compileGoPattern('(?is)^a.b$').test('A\nB')).toBe(true);
    expect(compileGoPattern('^(?i:x)y$').test('Xy')).toBe(true);
    expect(compileGoPattern('^(?i:x)y$').test('XY')).toBe(false);
  });

  it('translates \\A, \\z, \\Q...\\E, \\x{...} and POSIX classes', () => {
    expect(compileGoPattern('\\Aab\\z').test('ab')).toBe(true);
    expect(compileGoPattern('(?m)\\Aab\\z').test('x\nab')).toBe(false);
    expect(compileGoPattern('^\\Qa.b*\\E$').test('a.b*')).toBe(true);
    expect(compileGoPattern('^\\Qa.b*\\E$').test('axbb')).toBe(false);
    expect(compileGoPattern('^\\x{41}$').test('A')).toBe(true);
    expect(compileGoPattern('^[[:digit:][:lower:]]+$').test('a1b2')).toBe(true);
    expect(compileGoPattern('^[[:digit:]]+$').test('a1')).toBe(false);
  });

  it('reads a ] first in a class as a literal, as RE2 does', () => {
    expect(compileGoPattern('^[]a]+$').test(']a]')).toBe(true);
    expect(compileGoPattern('^[^]a]$').test('b')).toBe(true);
    expect(compileGoPattern('^[^]a]$').test(']')).toBe(false);
  });

  it('refuses what RE2 refuses: look-arounds and back-references', () => {
    expect(refusal('a(?=b)').message).toBe('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    expect(refusal('(?<!a)b').message).toBe('error parsing regexp: invalid or unsupported Perl syntax: `(?<!`');
    expect(refusal('(a)\\1').message).toBe('error parsing regexp: invalid escape sequence: `\\1`');
  });

  it('refuses what it does not translate, saying so', () => {
    expect(refusal('\\pL').message).toBe('error parsing regexp: clusterdns does not support `\\p`');
    expect(refusal('a(?i)b').message).toBe('error parsing regexp: clusterdns does not support `(?i)`');
    expect(refusal('(?U)a+').message).toBe('error parsing regexp: clusterdns does not support `(?U)`');
  });

  it('refuses a broken pattern, and one longer than CoreDNS allows', () => {
    expect(refusal('([a').message).toMatch(/^error parsing regexp: /);
    const long = refusal('a'.repeat(MAX_PATTERN_LENGTH + 1));
    expect([long.tooLong, long.message]).toEqual([true, `regex pattern too long: ${MAX_PATTERN_LENGTH + 1} > ${MAX_PATTERN_LENGTH}`]);
  });
});

describe('groupCount', () => {
  it("counts capture groups as Go's NumSubexp", () => {
    expect(groupCount(compileGoPattern('(a)(?:b)(?P<c>c)'))).toBe(2);
  });
});
