import { describe, expect, it } from 'vitest';
import { formatIP, parseCIDR, parseIP } from './ip.ts';
import { ControllerConfigError } from './types.ts';

describe('parseIP / formatIP', () => {
  it('round-trips IPv4 through its number', () => {
    const ip = parseIP('127.10.1.2');
    expect(ip).toEqual({ family: 'IPv4', value: (127n << 24n) | (10n << 16n) | (1n << 8n) | 2n });
    expect(formatIP(ip!)).toBe('127.10.1.2');
  });

  it('reads every IPv6 spelling as the same number and writes the RFC 5952 form', () => {
    const spellings = ['fd00:10::1:0:0:1', 'FD00:0010:0:0:1:0:0:1', 'fd00:10:0:0:1::1'];
    const values = spellings.map((text) => parseIP(text)?.value);
    expect(new Set(values).size).toBe(1);
    expect(formatIP(parseIP(spellings[1]!)!)).toBe('fd00:10::1:0:0:1');
  });

  it('reads an embedded IPv4 tail', () => {
    expect(parseIP('::ffff:10.0.0.1')?.value).toBe((0xffffn << 32n) | (10n << 24n) | 1n);
  });

  it('refuses what is not an address', () => {
    expect(parseIP('10.0.0.256')).toBeNull();
    expect(parseIP('fe80::1%eth0')).toBeNull();
    expect(parseIP('example.com')).toBeNull();
  });
});

describe('parseCIDR', () => {
  it('clears host bits and measures the block', () => {
    expect(parseCIDR('127.10.3.4/16', 'x')).toMatchObject({ family: 'IPv4', prefix: 16, size: 65536n, base: parseIP('127.10.0.0')!.value });
    expect(parseCIDR('fd00:10::/108', 'x')).toMatchObject({ family: 'IPv6', size: 1n << 20n });
  });

  it('names the option at fault', () => {
    expect(() => parseCIDR('127.10.0.0', 'serviceCIDRs[0]')).toThrow(ControllerConfigError);
    expect(() => parseCIDR('127.10.0.0/33', 'serviceCIDRs[1]')).toThrow(/serviceCIDRs\[1\].*\/33/);
    expect(() => parseCIDR('nope/8', 'serviceCIDRs[2]')).toThrow(/serviceCIDRs\[2\]/);
  });
});
