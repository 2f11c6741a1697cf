import * as packet from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { HeaderFlag, RRType } from './constants.ts';
import { DnsParseError } from './errors.ts';
import { decodeMessage } from './message.ts';
import { parseQuery } from './query.ts';
import { prepareReply } from './reply.ts';
import { encodeResponse } from './response.ts';
import { replyFromMessage } from './upstream.ts';
import type { Query } from './types.ts';

const opt: packet.OptAnswer = { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };

function clientQuery(name: string): Query {
  const parsed = parseQuery(packet.encode({ type: 'query', id: 777, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }], additionals: [opt] }));
  if (parsed.kind !== 'query') throw new Error('client query rejected');
  return parsed.query;
}

/** An upstream answer holding a type the codec does not model (CAA). */
function upstreamAnswer(): Buffer {
  return Buffer.from(
    packet.encode({
      type: 'response',
      id: 1,
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | packet.AUTHENTIC_DATA,
      questions: [{ type: 'A', name: 'www.example.org' }],
      answers: [
        { type: 'CNAME', name: 'www.example.org', ttl: 300, data: 'web.example.org' },
        { type: 'A', name: 'web.example.org', ttl: 60, data: '192.0.2.7' },
        { type: 'CAA', name: 'web.example.org', ttl: 90, data: { flags: 0, tag: 'issue', value: 'ca.example' } },
      ],
      authorities: [{ type: 'NS', name: 'example.org', ttl: 40, data: 'ns.example.org' }],
      additionals: [{ type: 'A', name: 'ns.example.org', ttl: 10, data: '192.0.2.53' }, opt],
    }),
  );
}

describe('replyFromMessage', () => {
  it('passes upstream records through byte for byte, with TTLs counted down and the OPT replaced', () => {
    const upstream = upstreamAnswer();
    const reply = replyFromMessage(upstream, decodeMessage(upstream));
    expect(reply).toMatchObject({ rcode: 0, flags: HeaderFlag.RA | HeaderFlag.AD, qname: 'www.example.org', answerCount: 3, authorityCount: 1, additionalCount: 1, minTtl: 40 });
    expect(Array.from(reply.ttlOffsets, (at) => reply.body.readUInt32BE(at))).toEqual([300, 60, 90, 40, 10]);

    const decoded = packet.decode(encodeResponse(clientQuery('WWW.example.org'), reply, 1232, 15));
    expect(decoded).toMatchObject({ id: 777, flag_ra: true, flag_ad: true, flag_aa: false });
    expect(decoded.answers!.map((a) => [a.type, (a as { ttl: number }).ttl])).toEqual([['CNAME', 285], ['A', 45], ['CAA', 75]]);
    expect((decoded.answers![2] as packet.CaaAnswer).data).toMatchObject({ tag: 'issue', value: 'ca.example' });
    expect(decoded.additionals!.map((a) => a.type)).toEqual(['A', 'OPT']);
  });

  it('keeps the upstream compression pointers valid for a client asking in other case', () => {
    const asked = clientQuery('www.example.org');
    const upstream = encodeResponse(
      asked,
      prepareReply({
        rcode: 0,
        flags: HeaderFlag.RA,
        qname: 'www.example.org',
        sections: {
          answer: [
            { name: 'www.example.org', type: RRType.CNAME, ttl: 5, target: 'web.example.org' },
            { name: 'web.example.org', type: RRType.A, ttl: 5, address: '192.0.2.8' },
          ],
          authority: [],
          additional: [],
        },
      }),
      1232,
    );
    expect(upstream.includes(Buffer.from([0xc0, 0x0c]))).toBe(true);
    const reply = replyFromMessage(upstream, decodeMessage(upstream));
    const decoded = packet.decode(encodeResponse(clientQuery('Www.Example.Org'), reply, 512));
    expect(decoded.answers!.map((a) => [a.name, (a as { data: string }).data])).toEqual([
      ['Www.Example.Org', 'web.Example.Org'],
      ['web.Example.Org', '192.0.2.8'],
    ]);
  });

  it('refuses answers whose OPT record is not last, and answers without exactly one question', () => {
    const upstream = upstreamAnswer();
    const optFirst = packet.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'a' }], additionals: [opt, { type: 'A', name: 'a', ttl: 1, data: '1.1.1.1' }] });
    expect(() => replyFromMessage(optFirst, decodeMessage(optFirst))).toThrow(DnsParseError);
    const noQuestion = Buffer.from(upstream.subarray(0, 12));
    noQuestion.fill(0, 4);
    expect(() => replyFromMessage(noQuestion, decodeMessage(noQuestion))).toThrow(DnsParseError);
  });
});
