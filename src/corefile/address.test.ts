import { describe, expect, it } from 'vitest';
import { parseServerKey, parseServerKeys, splitZonePort } from './address.ts';
import { CorefileError, type Token } from './types.ts';

const key = (text: string): Token => ({ text, file: 'Corefile', line: 4, quoted: false });

function keyError(text: string): CorefileError {
  try {
    parseServerKeys(key(text));
  } catch (error) {
    if (error instanceof CorefileError) return error;
    throw error;
  }
  throw new Error(`expected '${text}' to be rejected`);
}

describe('parseServerKey', () => {
  it.each([
    ['.', '', null],
    ['.:53', '', 53],
    ['.:0', '', 0],
    ['cluster.local:1053', 'cluster.local', 1053],
    ['Example.ORG.', 'example.org', null],
    ['dns://example.org:53', 'example.org', 53],
    ['DNS://.', '', null],
    ['10.0.0.0/8', '10.in-addr.arpa', null],
    ['172.16.0.0/16:1053', '16.172.in-addr.arpa', 1053],
    ['192.168.1.0/24', '1.168.192.in-addr.arpa', null],
    ['192.168.1.7/32', '7.1.168.192.in-addr.arpa', null],
    ['192.168.1.9/24', '1.168.192.in-addr.arpa', null],
    ['0.0.0.0/0', 'in-addr.arpa', null],
    ['fd00::/8', 'd.f.ip6.arpa', null],
    ['2001:db8::/32', '8.b.d.0.1.0.0.2.ip6.arpa', null],
    ['2001:db8:ab::/48:53', 'b.a.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 53],
  ])('%s -> zone %j, port %j', (text, zone, port) => {
    expect(parseServerKey(key(text))).toEqual({ scheme: 'dns', zone, port });
  });

  it('treats a colon followed by something other than a number as part of the zone', () => {
    expect(parseServerKey(key('a:b.org'))).toEqual({ scheme: 'dns', zone: 'a:b.org', port: null });
  });

  it('rejects a key that stands for several zones', () => {
    expect(() => parseServerKey(key('10.0.0.0/23'))).toThrow(/stands for 2 reverse zones/);
  });
});

describe('parseServerKeys', () => {
  it('splits a classless IPv4 network into the /8, /16 or /24 zones that cover it', () => {
    expect(parseServerKeys(key('10.0.0.0/22:53')).map((a) => [a.zone, a.port])).toEqual([
      ['0.0.10.in-addr.arpa', 53],
      ['1.0.10.in-addr.arpa', 53],
      ['2.0.10.in-addr.arpa', 53],
      ['3.0.10.in-addr.arpa', 53],
    ]);
    expect(parseServerKeys(key('10.200.0.0/15')).map((a) => a.zone)).toEqual([
      '200.10.in-addr.arpa',
      '201.10.in-addr.arpa',
    ]);
    expect(parseServerKeys(key('128.0.0.0/1'))).toHaveLength(128);
    expect(parseServerKeys(key('128.0.0.0/1'))[127]?.zone).toBe('255.in-addr.arpa');
  });

  it('splits an IPv6 network off a nibble boundary into nibble zones', () => {
    expect(parseServerKeys(key('fd00::/7')).map((a) => a.zone)).toEqual(['c.f.ip6.arpa', 'd.f.ip6.arpa']);
  });

  it('reads tls:// and https:// keys, with or without a port', () => {
    expect(parseServerKeys(key('tls://example.org'))).toEqual([{ scheme: 'tls', zone: 'example.org', port: null }]);
    expect(parseServerKeys(key('HTTPS://.:8443'))).toEqual([{ scheme: 'https', zone: '', port: 8443 }]);
  });

  it('rejects the transports clusterdns does not serve', () => {
    for (const scheme of ['grpc', 'https3', 'quic', 'unix']) {
      const error = keyError(`${scheme}://example.org`);
      expect(error.message).toMatch(`unsupported transport '${scheme}://'`);
      expect(error.message).toMatch(/^Corefile:4 - /);
    }
  });

  it('rejects bad ports, empty zones and names that are not domain names', () => {
    expect(keyError('.:-1').message).toMatch(/port -1 out of range/);
    expect(keyError('.:65536').message).toMatch(/port 65536 out of range/);
    expect(keyError('example.org:').message).toMatch(/expected a port after the last ':'/);
    expect(keyError(':53').message).toMatch(/no zone in ':53'/);
    expect(keyError('dns://').message).toMatch(/no zone/);
    expect(keyError('a..b').message).toMatch(/empty label/);
    expect(keyError(`${'x'.repeat(64)}.org`).message).toMatch(/longer than 63/);
    expect(keyError(Array(64).fill('abc').join('.')).message).toMatch(/longer than 253/);
  });

  it('rejects CIDRs CoreDNS refuses', () => {
    expect(keyError('::/0').message).toMatch(/invalid CIDR/);
    expect(keyError('0::/0').message).toMatch(/invalid CIDR/);
  });
});

describe('splitZonePort', () => {
  it('names the directive in its errors', () => {
    expect(() => splitZonePort('a..b', key('a..b'), 'kubernetes')).toThrow(
      /^Corefile:4 - Error during parsing: kubernetes: zone 'a\.\.b' is not a valid domain name/,
    );
  });

  it('leaves text that only looks like a CIDR as a name', () => {
    expect(splitZonePort('10.0.0.0/33', key('x')).zones).toEqual(['10.0.0.0/33']);
    expect(splitZonePort('300.0.0.0/8', key('x')).zones).toEqual(['300.0.0.0/8']);
  });
});
