import { SocketAddress } from 'node:net';
import * as packet from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { randomInt, seededRandom } from '../test-support/random.ts';
import { DnsEncodeError, DnsParseError } from './errors.ts';
import { addressFromReverse, encodeName, isSubdomain, nameWireLength, normalizeName, readName, reverseName, toFqdn } from './names.ts';

/** dns-packet's own name codec, which its type declarations leave out. */
const packetName = (packet as unknown as { name: { encode(name: string): Buffer } }).name;

describe('encodeName', () => {
  it('writes labels and the root label', () => {
    expect(encodeName('a.bc')).toEqual(Buffer.from([1, 0x61, 2, 0x62, 0x63, 0]));
    expect(encodeName('')).toEqual(Buffer.from([0]));
  });

  it('agrees with dns-packet', () => {
    for (const name of ['kubernetes.default.svc.cluster.local', '_http._tcp.web.ns.svc.cluster.local', 'x']) {
      expect(encodeName(name)).toEqual(packetName.encode(name));
    }
  });

  it('reads escapes back: \\. inside a label, \\DDD, \\\\', () => {
    expect(encodeName('a\\.b.c')).toEqual(Buffer.from([3, 0x61, 0x2e, 0x62, 1, 0x63, 0]));
    expect(encodeName('\\000\\255')).toEqual(Buffer.from([2, 0, 255, 0]));
    expect(encodeName('a\\\\')).toEqual(Buffer.from([2, 0x61, 0x5c, 0]));
  });

  it('accepts a 63-byte label and a 255-byte name, refuses one byte more', () => {
    expect(encodeName('a'.repeat(63)).length).toBe(65);
    const longest = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.');
    expect(encodeName(longest).length).toBe(255);
    expect(() => encodeName('a'.repeat(64))).toThrow(DnsEncodeError);
    expect(() => encodeName(`${longest}d`)).toThrow(DnsEncodeError);
  });

  it('refuses empty labels, a trailing dot and broken escapes', () => {
    for (const bad of ['a..b', '.a', 'a.', 'a\\', 'a\\25', 'a\\256']) {
      expect(() => encodeName(bad), bad).toThrow(DnsEncodeError);
    }
  });

  it('writes non-ASCII characters as UTF-8', () => {
    expect(encodeName('é')).toEqual(Buffer.from([2, 0xc3, 0xa9, 0]));
    expect(nameWireLength('é.x')).toBe(6);
  });
});

describe('nameWireLength', () => {
  it('matches the encoded length', () => {
    for (const name of ['', 'a', 'svc.cluster.local', 'a\\.b.c', '\\001x']) {
      expect(nameWireLength(name), name).toBe(encodeName(name).length);
    }
  });
});

describe('readName', () => {
  it('lower-cases and reports where the name ends', () => {
    const buf = Buffer.concat([Buffer.from([9, 9]), packetName.encode('WWW.Example.ORG'), Buffer.from([7])]);
    expect(readName(buf, 2)).toEqual({ name: 'www.example.org', end: buf.length - 1 });
  });

  it('follows compression pointers; end is just past the first pointer', () => {
    const target = packetName.encode('example.org');
    const buf = Buffer.concat([target, Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 0x00, 0xff])]);
    expect(readName(buf, target.length)).toEqual({ name: 'www.example.org', end: buf.length - 1 });
  });

  it('escapes special and non-printable bytes as miekg/dns presents them', () => {
    const buf = Buffer.from([4, 0x61, 0x2e, 0x20, 0x5c, 3, 0x00, 0x7f, 0xc8, 2, 0x40, 0x3b, 0]);
    expect(readName(buf, 0).name).toBe('a\\.\\ \\\\.\\000\\127\\200.\\@\\;');
  });

  it('round-trips escaped names through encodeName', () => {
    const random = seededRandom(7);
    for (let n = 0; n < 300; n++) {
      const labels = Array.from({ length: 1 + randomInt(random, 4) }, () =>
        Buffer.from(Array.from({ length: 1 + randomInt(random, 20) }, () => randomInt(random, 256))),
      );
      const { name } = readName(toWire(labels), 0);
      expect(encodeName(name)).toEqual(toWire(labels.map(lowerAscii)));
    }
  });

  it('throws DnsParseError on pointer loops, forward pointers and truncation', () => {
    const cases: [string, Buffer, number][] = [
      ['self pointer', Buffer.from([0xc0, 0x00]), 0],
      ['loop through a label', Buffer.from([1, 0x61, 0xc0, 0x00]), 0],
      ['forward pointer', Buffer.from([0xc0, 0x02, 0]), 0],
      ['label past the end', Buffer.from([5, 0x61]), 0],
      ['no root label', Buffer.from([1, 0x61]), 0],
      ['half a pointer', Buffer.from([0xc0]), 0],
      ['reserved label type', Buffer.from([0x40, 0]), 0],
    ];
    for (const [label, buf, offset] of cases) expect(() => readName(buf, offset), label).toThrow(DnsParseError);
  });

  it('refuses names that decompress to more than 255 bytes', () => {
    const label = Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)]);
    const buf = Buffer.concat([label, label, label, Buffer.from([0])]);
    const longer = Buffer.concat([buf, label, Buffer.from([0xc0, 0x00])]);
    expect(readName(buf, 0).end).toBe(buf.length);
    expect(() => readName(longer, buf.length)).toThrow(DnsParseError);
  });
});

function toWire(labels: Buffer[]): Buffer {
  return Buffer.concat([...labels.flatMap((label) => [Buffer.from([label.length]), label]), Buffer.from([0])]);
}

function lowerAscii(label: Buffer): Buffer {
  return Buffer.from(label.map((b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b)));
}

describe('reverse names', () => {
  it('maps IPv4 and IPv6 addresses to PTR owners', () => {
    expect(reverseName('10.96.0.1')).toBe('1.0.96.10.in-addr.arpa');
    expect(reverseName('2001:db8::567:89ab')).toBe(
      'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    );
    expect(() => reverseName('10.96.0')).toThrow(DnsEncodeError);
    expect(() => reverseName('fe80::1%eth0')).toThrow(DnsEncodeError);
  });

  it('reads complete reverse names back; null for anything else', () => {
    expect(addressFromReverse('1.0.96.10.in-addr.arpa')).toBe('10.96.0.1');
    expect(addressFromReverse('b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa')).toBe(
      '2001:db8::567:89ab',
    );
    for (const partial of [
      '0.96.10.in-addr.arpa',
      '1.1.0.96.10.in-addr.arpa',
      '01.0.96.10.in-addr.arpa',
      '256.0.96.10.in-addr.arpa',
      'in-addr.arpa',
      'a.0.96.10.in-addr.arpa',
      '0.8.b.d.0.1.0.0.2.ip6.arpa',
      'g.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
      'ba.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.x.ip6.arpa',
      'example.org',
    ]) {
      expect(addressFromReverse(partial), partial).toBeNull();
    }
  });

  it('round-trips random addresses and prints IPv6 exactly as node does', () => {
    const random = seededRandom(42);
    for (let n = 0; n < 500; n++) {
      const ipv4 = Array.from({ length: 4 }, () => randomInt(random, 256)).join('.');
      expect(addressFromReverse(reverseName(ipv4))).toBe(ipv4);
      // Mostly-zero groups exercise '::' placement and the embedded-IPv4 forms.
      const groups = Array.from({ length: 8 }, () => (random() < 0.5 ? 0 : randomInt(random, 0x10000)));
      if (random() < 0.2) groups.splice(0, 6, 0, 0, 0, 0, 0, random() < 0.5 ? 0xffff : 0);
      const full = groups.map((g) => g.toString(16)).join(':');
      const expected = new SocketAddress({ address: full, family: 'ipv6' }).address;
      expect(addressFromReverse(reverseName(full)), full).toBe(expected);
      expect(addressFromReverse(reverseName(expected)), expected).toBe(expected);
    }
  });
});

describe('isSubdomain, normalizeName and toFqdn', () => {
  it('matches whole labels only', () => {
    expect(isSubdomain('a.svc.cluster.local', 'cluster.local')).toBe(true);
    expect(isSubdomain('cluster.local', 'cluster.local')).toBe(true);
    expect(isSubdomain('anything', '')).toBe(true);
    expect(isSubdomain('', '')).toBe(true);
    expect(isSubdomain('mycluster.local', 'cluster.local')).toBe(false);
    expect(isSubdomain('local', 'cluster.local')).toBe(false);
    // 'a\.cluster' is one label holding a dot.
    expect(isSubdomain('a\\.cluster.local', 'cluster.local')).toBe(false);
    expect(isSubdomain('a\\.cluster.local', 'local')).toBe(true);
    expect(isSubdomain('a\\.local', 'local')).toBe(false);
    expect(isSubdomain('a\\\\.local', 'local')).toBe(true);
  });

  it('reads names as configuration writes them', () => {
    expect(['Example.ORG.', 'example.org', '.', '', 'A.b\\.C.'].map(normalizeName)).toEqual(['example.org', 'example.org', '', '', 'a.b\\.c']);
  });

  it('adds the trailing dot', () => {
    expect(toFqdn('')).toBe('.');
    expect(toFqdn('cluster.local')).toBe('cluster.local.');
  });
});
