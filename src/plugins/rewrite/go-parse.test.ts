import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../test-support/errors.ts';
import { RuleError } from './errors.ts';
import { decodeGoHex, parseGoUint } from './go-parse.ts';

describe("Go's ParseUint with base 0", () => {
  it('reads the prefixes and underscores Go reads', () => {
    const read = (text: string) => parseGoUint(text, 0, 16);
    expect(['0', '10', '010', '0x1F', '0X1f', '0o17', '0b101', '1_000', '0x_ff', '0xff_ee'].map(read)).toEqual([0, 10, 8, 31, 31, 15, 5, 1000, 255, 0xffee]);
  });

  it("refuses what Go refuses, in Go's words", () => {
    const error = (text: string) => thrownBy(RuleError, () => parseGoUint(text, 0, 16)).message;
    for (const text of ['', '0x', '08', '_1', '1__0', '1_', '-1', '+1', 'ff', '1e3']) {
      expect(error(text), text).toBe(`strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`);
    }
    expect(error('65536')).toBe('strconv.ParseUint: parsing "65536": value out of range');
    expect(parseGoUint('65535', 0, 16)).toBe(65535);
  });
});

describe("Go's hex.DecodeString", () => {
  it('decodes pairs of either case', () => {
    expect([...decodeGoHex('61626364')]).toEqual([0x61, 0x62, 0x63, 0x64]);
    expect([...decodeGoHex('FFee')]).toEqual([0xff, 0xee]);
    expect(decodeGoHex('').length).toBe(0);
  });

  it('reports the first bad byte before an odd length, as Go does', () => {
    const error = (text: string) => thrownBy(RuleError, () => decodeGoHex(text)).message;
    expect(error('abc')).toBe('encoding/hex: odd length hex string');
    expect(error('abg')).toBe("encoding/hex: invalid byte: U+0067 'g'");
    expect(error('G0')).toBe("encoding/hex: invalid byte: U+0047 'G'");
    expect(error('0\n')).toBe('encoding/hex: invalid byte: U+000A');
  });
});
