import dnsPacket, { type Answer, type CaaAnswer } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { DnsParseError } from '../../dns/errors.ts';
import { decodeMessage } from '../../dns/message.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Query } from '../../dns/types.ts';
import { queryFor } from '../../test-support/request.ts';
import { readUpstreamReply } from './relay.ts';

const opt = (udpPayloadSize = 4096, extendedRcode = 0): Answer => ({
  type: 'OPT',
  name: '.',
  udpPayloadSize,
  extendedRcode,
  ednsVersion: 0,
  flags: 0,
  flag_do: false,
  options: [],
});

function upstreamReply(query: Query, packet: Partial<dnsPacket.Packet> & { rcode?: number }): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 4242,
    flags: (packet.flags ?? 0) | (packet.rcode ?? 0),
    questions: packet.questions ?? [{ name: query.name, type: 'A', class: 'IN' }],
    answers: packet.answers ?? [],
    authorities: packet.authorities ?? [],
    additionals: packet.additionals ?? [],
  });
}

function relayed(query: Query, wire: Buffer) {
  const answer = readUpstreamReply(wire, query);
  if (answer.kind !== 'reply') throw new Error(`expected a reply, got ${answer.kind}`);
  return answer;
}

describe('readUpstreamReply', () => {
  it('relays the sections under the client ID and question, its OPT replaced by the server one', () => {
    const query = queryFor('www.example.org', RRType.A, { id: 7, edns: { udpSize: 1232 } });
    const wire = upstreamReply(query, {
      flags: dnsPacket.RECURSION_AVAILABLE,
      answers: [
        { type: 'CNAME', name: 'www.example.org', ttl: 300, data: 'web.example.org' },
        { type: 'A', name: 'web.example.org', ttl: 60, data: '192.0.2.80' },
      ],
      authorities: [{ type: 'NS', name: 'example.org', ttl: 3600, data: 'ns1.example.org' }],
      additionals: [{ type: 'A', name: 'ns1.example.org', ttl: 30, data: '192.0.2.53' }, opt()],
    });
    const { reply, truncated } = relayed(query, wire);
    expect(truncated).toBe(false);
    expect(reply).toMatchObject({ rcode: 0, qname: 'www.example.org', answerCount: 2, authorityCount: 1, additionalCount: 1, minTtl: 60 });
    const out = decodeMessage(encodeResponse(query, reply, 65535));
    expect(out.id).toBe(7);
    expect(out.recursionAvailable).toBe(true);
    expect(out.answer).toEqual([
      { name: 'www.example.org', type: RRType.CNAME, class: 1, ttl: 300, target: 'web.example.org' },
      { name: 'web.example.org', type: RRType.A, class: 1, ttl: 60, address: '192.0.2.80' },
    ]);
    expect(out.authority).toEqual([{ name: 'example.org', type: RRType.NS, class: 1, ttl: 3600, target: 'ns1.example.org' }]);
    expect(out.additional.map((record) => record.type)).toEqual([RRType.A, RRType.OPT]);
    // The server's own OPT (1232), not the upstream's 4096.
    expect(out.opt?.udpSize).toBe(1232);
  });

  it('records where each TTL is, so a cache can count them down', () => {
    const query = queryFor('example.org', RRType.A);
    const wire = upstreamReply(query, {
      answers: [
        { type: 'A', name: 'example.org', ttl: 100, data: '192.0.2.1' },
        { type: 'A', name: 'example.org', ttl: 40, data: '192.0.2.2' },
      ],
      additionals: [opt()],
    });
    const { reply } = relayed(query, wire);
    expect(reply.ttlOffsets).toHaveLength(2);
    const out = decodeMessage(encodeResponse(query, reply, 65535, 30));
    expect(out.answer.map((record) => (record as { ttl: number }).ttl)).toEqual([70, 10]);
    expect(out.opt).toBeNull();
  });

  it('passes records of types the codec does not model through byte for byte, TTLs counted down', () => {
    const query = queryFor('www.example.org', RRType.A, { edns: { udpSize: 1232 } });
    const wire = upstreamReply(query, {
      answers: [
        { type: 'A', name: 'www.example.org', ttl: 60, data: '192.0.2.7' },
        { type: 'CAA', name: 'www.example.org', ttl: 90, data: { flags: 0, tag: 'issue', value: 'ca.example' } },
      ],
      additionals: [opt()],
    });
    const { reply } = relayed(query, wire);
    const decoded = dnsPacket.decode(encodeResponse(query, reply, 1232, 15));
    expect(decoded.answers!.map((a) => [a.type, (a as { ttl: number }).ttl])).toEqual([['A', 45], ['CAA', 75]]);
    expect((decoded.answers![1] as CaaAnswer).data).toMatchObject({ tag: 'issue', value: 'ca.example' });
    expect(decoded.additionals!.map((a) => a.type)).toEqual(['OPT']);
  });

  it('keeps compression pointers valid: they point into the client question, of the same length', () => {
    const query = queryFor('WwW.Example.Org', RRType.A, { id: 99 });
    const reply = Buffer.from(query.raw);
    reply.writeUInt16BE(0x1234, 0);
    reply.writeUInt16BE(HeaderFlag.QR | HeaderFlag.RD | HeaderFlag.RA, 2);
    reply.writeUInt16BE(1, 6);
    // The upstream wrote its question in other letter cases (0x20), as some resolvers do.
    reply.write('WWW', 13, 'latin1');
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 9]);
    const { reply: relayedReply } = relayed(query, Buffer.concat([reply, answer]));
    const out = decodeMessage(encodeResponse(query, relayedReply, 65535));
    expect(out.answer).toEqual([{ name: 'www.example.org', type: RRType.A, class: 1, ttl: 60, address: '192.0.2.9' }]);
    expect(encodeResponse(query, relayedReply, 65535).subarray(12, query.questionEnd)).toEqual(query.raw.subarray(12, query.questionEnd));
  });

  it('copies the RCODE, the extended RCODE from the OPT record, and AA, TC, RA, AD', () => {
    const query = queryFor('example.org', RRType.A, { edns: { udpSize: 1232 } });
    const nx = relayed(query, upstreamReply(query, { rcode: RCode.NXDOMAIN, flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.AUTHENTIC_DATA }));
    expect(nx.reply.rcode).toBe(RCode.NXDOMAIN);
    expect(nx.reply.flags).toBe(HeaderFlag.AA | HeaderFlag.AD);
    const tc = relayed(query, upstreamReply(query, { flags: dnsPacket.TRUNCATED_RESPONSE | dnsPacket.RECURSION_AVAILABLE }));
    expect(tc.truncated).toBe(true);
    expect(tc.reply.flags).toBe(HeaderFlag.TC | HeaderFlag.RA);
    // BADCOOKIE (23): 7 in the header, 1 in the OPT record.
    const cookie = relayed(query, upstreamReply(query, { rcode: 7, additionals: [opt(4096, 1)] }));
    expect(cookie.reply.rcode).toBe(23);
    expect(decodeMessage(encodeResponse(query, cookie.reply, 65535)).rcode).toBe(23);
  });

  it('leaves RD and CD to the client query', () => {
    const query = queryFor('example.org', RRType.A, { recursionDesired: false });
    const { reply } = relayed(query, upstreamReply(query, { flags: dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED }));
    const out = decodeMessage(encodeResponse(query, reply, 65535));
    expect(out.recursionDesired).toBe(false);
    expect(out.checkingDisabled).toBe(false);
  });

  it('cuts whole records when the client limit is smaller than the upstream reply', () => {
    const query = queryFor('big.example.org', RRType.TXT);
    const answers: Answer[] = Array.from({ length: 6 }, (_, i) => ({ type: 'TXT', name: 'big.example.org', ttl: 60, data: 'x'.repeat(100 + i) }));
    const { reply } = relayed(query, upstreamReply(query, { questions: [{ name: 'big.example.org', type: 'TXT' }], answers }));
    const out = encodeResponse(query, reply, 512);
    expect(out.length).toBeLessThanOrEqual(512);
    const decoded = decodeMessage(out);
    expect(decoded.truncated).toBe(true);
    expect(decoded.answer.length).toBeGreaterThan(0);
    expect(decoded.answer.length).toBeLessThan(6);
  });

  it('re-encodes a reply whose OPT record is not the last one', () => {
    const query = queryFor('example.org', RRType.A, { edns: { udpSize: 1232 } });
    const wire = upstreamReply(query, {
      answers: [{ type: 'A', name: 'example.org', ttl: 60, data: '192.0.2.1' }],
      additionals: [opt(), { type: 'A', name: 'ns.example.org', ttl: 60, data: '192.0.2.53' }],
    });
    const { reply } = relayed(query, wire);
    expect(reply.additionalCount).toBe(1);
    const out = decodeMessage(encodeResponse(query, reply, 65535));
    expect(out.answer).toEqual([{ name: 'example.org', type: RRType.A, class: 1, ttl: 60, address: '192.0.2.1' }]);
    expect(out.additional.map((record) => [record.name, record.type])).toEqual([
      ['ns.example.org', RRType.A],
      ['', RRType.OPT],
    ]);
  });

  it.each([
    ['another name', { questions: [{ name: 'example.com', type: 'A' as const }] }],
    ['another type', { questions: [{ name: 'example.org', type: 'AAAA' as const }] }],
    ['no question', { questions: [] }],
  ])('calls a reply with %s a mismatch, keeping its RCODE for the metrics', (_what, packet) => {
    const query = queryFor('example.org', RRType.A);
    expect(readUpstreamReply(upstreamReply(query, { ...packet, rcode: RCode.REFUSED }), query)).toEqual({ kind: 'mismatch', rcode: RCode.REFUSED });
  });

  it('calls a message without QR a mismatch', () => {
    const query = queryFor('example.org', RRType.A);
    expect(readUpstreamReply(query.raw, query).kind).toBe('mismatch');
  });

  it('throws DnsParseError on a malformed reply', () => {
    const query = queryFor('example.org', RRType.A);
    const wire = upstreamReply(query, { answers: [{ type: 'A', name: 'example.org', ttl: 60, data: '192.0.2.1' }] });
    expect(() => readUpstreamReply(wire.subarray(0, wire.length - 2), query)).toThrow(DnsParseError);
    expect(() => readUpstreamReply(wire.subarray(0, 5), query)).toThrow(DnsParseError);
  });
});
