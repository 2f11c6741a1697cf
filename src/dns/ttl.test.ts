import { describe, expect, it } from 'vitest';
import { RCode, RRClass, RRType } from './constants.ts';
import { encodeQuery, parseQuery } from './query.ts';
import { prepareReply } from './reply.ts';
import { encodeResponse } from './response.ts';
import { minimalTtl } from './ttl.ts';
import type { ResourceRecord } from './types.ts';

function response(rcode: number, answer: ResourceRecord[], authority: ResourceRecord[] = []): Buffer {
  const parsed = parseQuery(encodeQuery('a.example.org', RRType.A, { edns: { udpSize: 1232 } }));
  if (parsed.kind !== 'query') throw new Error('query did not parse');
  const reply = prepareReply({ rcode, flags: 0, qname: 'a.example.org', sections: { answer, authority, additional: [] } });
  return encodeResponse(parsed.query, reply, 65535);
}

const a = (ttl: number): ResourceRecord => ({ name: 'a.example.org', type: RRType.A, class: RRClass.IN, ttl, address: '192.0.2.1' });
const soa = (ttl: number): ResourceRecord => ({
  name: 'example.org', type: RRType.SOA, class: RRClass.IN, ttl,
  mname: 'ns.example.org', rname: 'hostmaster.example.org', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 30,
});

describe('minimalTtl', () => {
  it('is the lowest TTL of an answer or denial, OPT aside, at most an hour', () => {
    expect(minimalTtl(response(RCode.NOERROR, [a(300), a(30)]))).toBe(30);
    expect(minimalTtl(response(RCode.NXDOMAIN, [], [soa(60)]))).toBe(60);
    expect(minimalTtl(response(RCode.NOERROR, [a(86400)]))).toBe(3600);
  });

  it('is 5 s for errors, delegations and responses without records', () => {
    expect(minimalTtl(response(RCode.SERVFAIL, []))).toBe(5);
    expect(minimalTtl(response(RCode.NOERROR, []))).toBe(5);
    const ns: ResourceRecord = { name: 'sub.example.org', type: RRType.NS, class: RRClass.IN, ttl: 300, target: 'ns.sub.example.org' };
    expect(minimalTtl(response(RCode.NOERROR, [], [ns]))).toBe(5);
  });
});
