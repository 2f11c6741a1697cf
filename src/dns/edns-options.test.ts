import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { addressBytes, clientSubnetData, queryEdnsOptions, withEdnsOptions } from './edns-options.ts';
import { DnsEncodeError } from './errors.ts';
import { parseQuery } from './query.ts';
import type { Query } from './types.ts';

type Additional = dnsPacket.Answer;

/** A query as the server parses it, built by dns-packet (an independent encoder) with the given additional records. */
function parsed(additionals: Additional[]): Query {
  const wire = dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'example.org', type: 'A', class: 'IN' }], additionals });
  const result = parseQuery(wire);
  if (result.kind !== 'query') throw new Error(`not a query: ${result.kind}`);
  return result.query;
}

function opt(options: { code: number; data: Buffer }[], udpPayloadSize = 1232, dnssecOk = false): Additional {
  return { type: 'OPT', name: '.', udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: dnssecOk ? dnsPacket.DNSSEC_OK : 0, options } as Additional;
}

const TXT_EXTRA: Additional = { type: 'TXT', name: 'extra.example', ttl: 5, data: ['kept'] };

/** What an independent decoder reads back from a rewritten query. */
function decoded(query: Query) {
  const packet = dnsPacket.decode(query.raw);
  const optRecord = packet.additionals!.find((record) => record.type === 'OPT') as
    | { udpPayloadSize: number; flags: number; options: { code: number; data: Buffer }[] }
    | undefined;
  return { packet, optRecord };
}

describe('queryEdnsOptions', () => {
  it('is null for a query without an OPT record', () => {
    expect(queryEdnsOptions(parsed([]))).toBeNull();
  });

  it('lists the options in order, with their data', () => {
    const query = parsed([TXT_EXTRA, opt([{ code: 3, data: Buffer.alloc(0) }, { code: 65422, data: Buffer.from('abcd') }])]);
    expect(queryEdnsOptions(query)).toEqual([
      { code: 3, data: Buffer.alloc(0) },
      { code: 65422, data: Buffer.from('abcd') },
    ]);
  });
});

describe('withEdnsOptions', () => {
  it('rewrites the OPT record in place: its UDP size and DO bit kept, the records around it kept', () => {
    const query = parsed([opt([{ code: 10, data: Buffer.alloc(8, 1) }], 1400, true), TXT_EXTRA]);
    const rewritten = withEdnsOptions(query, [{ code: 65500, data: Buffer.from([1, 2, 3]) }], 4096);
    const { packet, optRecord } = decoded(rewritten);
    expect(optRecord).toMatchObject({ udpPayloadSize: 1400, flags: dnsPacket.DNSSEC_OK });
    expect(optRecord!.options.map((o) => [o.code, [...o.data]])).toEqual([[65500, [1, 2, 3]]]);
    expect(packet.additionals!.map((record) => record.type)).toEqual(['OPT', 'TXT']);
    expect(packet.questions).toEqual([{ name: 'example.org', type: 'A', class: 'IN' }]);
    expect(rewritten.edns).toBe(query.edns);
    const again = parseQuery(rewritten.raw);
    expect(again.kind === 'query' && queryEdnsOptions(again.query)).toEqual([{ code: 65500, data: Buffer.from([1, 2, 3]) }]);
  });

  it('adds an OPT record (the given UDP size, DO clear) to a query without one, after its other records', () => {
    const query = parsed([TXT_EXTRA]);
    const rewritten = withEdnsOptions(query, [{ code: 3, data: Buffer.alloc(0) }], 4096);
    const { packet, optRecord } = decoded(rewritten);
    expect(packet.additionals!.map((record) => record.type)).toEqual(['TXT', 'OPT']);
    expect(optRecord).toMatchObject({ udpPayloadSize: 4096, flags: 0 });
    expect(optRecord!.options.map((o) => o.code)).toEqual([3]);
    expect(rewritten.edns).toEqual({ udpSize: 4096, version: 0, dnssecOk: false });
    expect(parseQuery(rewritten.raw).kind).toBe('query');
  });

  it('can empty the options', () => {
    const rewritten = withEdnsOptions(parsed([opt([{ code: 8, data: Buffer.from([0, 1, 24, 0, 10, 0, 0]) }])]), [], 4096);
    expect(decoded(rewritten).optRecord!.options).toEqual([]);
    expect(rewritten.raw.length).toBe(parsed([opt([])]).raw.length);
  });

  it('refuses options that would not fit a message', () => {
    const query = parsed([]);
    expect(() => withEdnsOptions(query, [{ code: 65001, data: Buffer.alloc(70000) }], 4096)).toThrow(DnsEncodeError);
  });
});

describe('clientSubnetData', () => {
  it('cuts an IPv4 address to its prefix (RFC 7871: only the bytes the prefix covers, bits past it cleared)', () => {
    expect([...clientSubnetData('192.0.2.77', 24, 56)!]).toEqual([0, 1, 24, 0, 192, 0, 2]);
    expect([...clientSubnetData('192.0.2.77', 20, 56)!]).toEqual([0, 1, 20, 0, 192, 0, 0]);
    expect([...clientSubnetData('192.0.2.77', 0, 56)!]).toEqual([0, 1, 0, 0]);
    expect([...clientSubnetData('192.0.2.77', 32, 56)!]).toEqual([0, 1, 32, 0, 192, 0, 2, 77]);
  });

  it('takes an IPv4-mapped IPv6 address as IPv4, and other IPv6 with the IPv6 prefix', () => {
    expect([...clientSubnetData('::ffff:192.0.2.77', 24, 56)!]).toEqual([0, 1, 24, 0, 192, 0, 2]);
    expect([...clientSubnetData('2001:db8:1:2:3::9', 24, 52)!]).toEqual([0, 2, 52, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0]);
    const decodedByPacket = dnsPacket.decode(
      dnsPacket.encode({ type: 'query', questions: [], additionals: [opt([{ code: 8, data: clientSubnetData('2001:db8:1:2ab::9', 24, 56)! }])] }),
    ).additionals![0] as unknown as { options: { ip: string; sourcePrefixLength: number }[] };
    expect(decodedByPacket.options[0]).toMatchObject({ ip: '2001:db8:1:200::', sourcePrefixLength: 56 });
  });

  it('is null for text that is not an address, and refuses a prefix longer than the address', () => {
    expect(clientSubnetData('not-an-address', 24, 56)).toBeNull();
    expect(() => clientSubnetData('192.0.2.1', 33, 56)).toThrow(DnsEncodeError);
  });
});

describe('addressBytes', () => {
  it('gives 4 bytes for IPv4 and IPv4-mapped IPv6, 16 for other IPv6', () => {
    expect([...addressBytes('127.0.0.1')!]).toEqual([127, 0, 0, 1]);
    expect([...addressBytes('::ffff:127.0.0.1')!]).toEqual([127, 0, 0, 1]);
    expect(addressBytes('::1')!.length).toBe(16);
    expect(addressBytes('localhost')).toBeNull();
  });
});
