import { describe, expect, it } from 'vitest';
import { isIPv4Mapped, writeIPv6 } from './ip.ts';

function bytesOf(text: string, at = 0): Uint8Array {
  const out = new Uint8Array(at + 16);
  if (!writeIPv6(text, out, at)) throw new Error(`not an IPv6 address: ${text}`);
  return out;
}

describe('isIPv4Mapped', () => {
  it('knows ::ffff:a.b.c.d from every other IPv6 address', () => {
    expect(isIPv4Mapped(bytesOf('::ffff:192.0.2.1'))).toBe(true);
    expect(isIPv4Mapped(bytesOf('::ffff:c000:201'))).toBe(true);
    expect(['::192.0.2.1', '::1', '1::ffff:192.0.2.1', '::fffe:192.0.2.1', '2001:db8::'].map((text) => isIPv4Mapped(bytesOf(text)))).toEqual([false, false, false, false, false]);
  });

  it('reads at an offset and never past the end', () => {
    expect(isIPv4Mapped(bytesOf('::ffff:10.0.0.1', 4), 4)).toBe(true);
    expect(isIPv4Mapped(bytesOf('::ffff:10.0.0.1').subarray(0, 12))).toBe(false);
  });
});
