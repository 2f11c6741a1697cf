import * as packet from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../test-support/errors.ts';
import { RCode, RRClass, RRType } from './constants.ts';
import { DnsParseError } from './errors.ts';
import { decodeMessage, type DecodedMessage } from './message.ts';

function opt(fields: Partial<packet.OptAnswer> = {}): packet.OptAnswer {
  return { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [], ...fields };
}

function response(fields: packet.Packet): Buffer {
  return packet.encode({
    type: 'response',
    id: 99,
    flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
    questions: [{ type: 'A', name: 'Example.ORG' }],
    ...fields,
  });
}

const parseError = (buf: Buffer): DnsParseError => thrownBy(DnsParseError, () => decodeMessage(buf));

describe('decodeMessage', () => {
  it('reads the header and questions', () => {
    const decoded = decodeMessage(response({ flags: packet.AUTHORITATIVE_ANSWER | packet.TRUNCATED_RESPONSE | packet.AUTHENTIC_DATA | packet.CHECKING_DISABLED | RCode.NXDOMAIN }));
    expect(decoded).toMatchObject({
      id: 99,
      opcode: 0,
      rcode: RCode.NXDOMAIN,
      response: true,
      authoritative: true,
      truncated: true,
      recursionDesired: false,
      recursionAvailable: false,
      authenticData: true,
      checkingDisabled: true,
      questions: [{ name: 'example.org', type: RRType.A, class: RRClass.IN }],
      opt: null,
      optRange: null,
    });
  });

  it('reads every modelled record type dns-packet writes, in each section', () => {
    const decoded = decodeMessage(
      response({
        answers: [
          { type: 'A', name: 'example.org', ttl: 60, data: '192.0.2.1' },
          { type: 'AAAA', name: 'example.org', ttl: 60, data: '2001:db8:0:0:1:0:0:1' },
          { type: 'CNAME', name: 'www.example.org', ttl: 60, data: 'Example.org' },
          { type: 'PTR', name: '1.2.0.192.in-addr.arpa', ttl: 60, data: 'example.org' },
          { type: 'TXT', name: 'example.org', ttl: 60, data: ['v=spf1', ''] },
          { type: 'HINFO', name: 'example.org', ttl: 60, data: { cpu: 'ARM', os: 'Linux' } },
          { type: 'MX', name: 'example.org', ttl: 60, data: { preference: 5, exchange: 'mx.example.org' } },
          { type: 'SRV', name: '_sip._udp.example.org', ttl: 60, data: { priority: 1, weight: 2, port: 5060, target: 'sip.example.org' } },
        ],
        authorities: [
          { type: 'NS', name: 'example.org', ttl: 300, data: 'ns1.example.org' },
          { type: 'SOA', name: 'example.org', ttl: 300, data: { mname: 'ns1.example.org', rname: 'admin.example.org', serial: 7, refresh: 1, retry: 2, expire: 3, minimum: 4 } },
        ],
      }),
    );
    const base = { class: RRClass.IN, ttl: 60 };
    expect(decoded.answer).toEqual([
      { ...base, name: 'example.org', type: RRType.A, address: '192.0.2.1' },
      { ...base, name: 'example.org', type: RRType.AAAA, address: '2001:db8::1:0:0:1' },
      { ...base, name: 'www.example.org', type: RRType.CNAME, target: 'example.org' },
      { ...base, name: '1.2.0.192.in-addr.arpa', type: RRType.PTR, target: 'example.org' },
      { ...base, name: 'example.org', type: RRType.TXT, text: ['v=spf1', ''] },
      { ...base, name: 'example.org', type: RRType.HINFO, cpu: 'ARM', os: 'Linux' },
      { ...base, name: 'example.org', type: RRType.MX, preference: 5, exchange: 'mx.example.org' },
      { ...base, name: '_sip._udp.example.org', type: RRType.SRV, priority: 1, weight: 2, port: 5060, target: 'sip.example.org' },
    ]);
    expect(decoded.authority).toEqual([
      { class: RRClass.IN, ttl: 300, name: 'example.org', type: RRType.NS, target: 'ns1.example.org' },
      { class: RRClass.IN, ttl: 300, name: 'example.org', type: RRType.SOA, mname: 'ns1.example.org', rname: 'admin.example.org', serial: 7, refresh: 1, retry: 2, expire: 3, minimum: 4 },
    ]);
  });

  it('keeps unmodelled types, non-UTF-8 text and non-IN addresses as raw data', () => {
    const decoded = decodeMessage(
      response({
        answers: [
          { type: 'NULL', name: 'example.org', ttl: 1, data: Buffer.from([1, 2, 3]) },
          { type: 'TXT', name: 'example.org', ttl: 1, data: [Buffer.from([0xff, 0xfe])] },
          { type: 'A', name: 'example.org', ttl: 1, class: 'CH', data: '1.2.3.4' },
        ],
      }),
    );
    expect(decoded.answer).toEqual([
      { name: 'example.org', type: 10, class: RRClass.IN, ttl: 1, data: Buffer.from([1, 2, 3]) },
      { name: 'example.org', type: RRType.TXT, class: RRClass.IN, ttl: 1, data: Buffer.from([2, 0xff, 0xfe]) },
      { name: 'example.org', type: RRType.A, class: RRClass.CH, ttl: 1, data: Buffer.from([1, 2, 3, 4]) },
    ]);
  });

  it('reads the OPT record with its options, the full rcode, and where each section and the OPT sit', () => {
    const buf = response({
      flags: 0,
      answers: [{ type: 'A', name: 'example.org', ttl: 1, data: '192.0.2.1' }],
      additionals: [
        { type: 'A', name: 'ns.example.org', ttl: 1, data: '192.0.2.53' },
        opt({ extendedRcode: 1, flags: packet.DNSSEC_OK, options: [{ code: 10 as 0, data: Buffer.from('cookie!!') } as unknown as packet.PacketOpt] }),
      ],
    });
    const decoded = decodeMessage(buf);
    const questionLength = 'Example.ORG'.length + 2 + 4;
    const answerLength = 'example.org'.length + 2 + 10 + 4;
    const nsLength = 'ns.example.org'.length + 2 + 10 + 4;
    expect(decoded.sections).toEqual({
      question: 12,
      answer: 12 + questionLength,
      authority: 12 + questionLength + answerLength,
      additional: 12 + questionLength + answerLength,
      end: buf.length,
    });
    expect(decoded.rcode).toBe(16);
    expect(decoded.opt).toEqual({ name: '', type: RRType.OPT, udpSize: 1232, extendedRcode: 1, version: 0, dnssecOk: true, options: [{ code: 10, data: Buffer.from('cookie!!') }] });
    expect(decoded.additional.at(-1)).toBe(decoded.opt);
    expect(decoded.optRange).toEqual({ offset: decoded.sections.additional + nsLength, length: buf.length - decoded.sections.additional - nsLength });

    const { offset, length } = decoded.optRange as { offset: number; length: number };
    const stripped = Buffer.concat([buf.subarray(0, offset), buf.subarray(offset + length)]);
    stripped.writeUInt16BE(1, 10);
    const withoutOpt: DecodedMessage = decodeMessage(stripped);
    expect(withoutOpt.opt).toBeNull();
    expect(withoutOpt.additional).toEqual([decoded.additional[0]]);
  });

  it('follows compression pointers in names and record data', () => {
    // Question example.org at 12; answer owner and CNAME target both point back into it.
    const head = response({ answers: [] });
    const record = Buffer.from([0xc0, 12, 0, RRType.CNAME, 0, 1, 0, 0, 0, 9, 0, 6, 3, 0x77, 0x77, 0x77, 0xc0, 12]);
    const buf = Buffer.concat([head, record]);
    buf.writeUInt16BE(1, 6);
    expect(decodeMessage(buf).answer).toEqual([{ name: 'example.org', type: RRType.CNAME, class: RRClass.IN, ttl: 9, target: 'www.example.org' }]);
  });

  it('throws DnsParseError with an offset on malformed messages', () => {
    const good = response({ answers: [{ type: 'A', name: 'example.org', ttl: 1, data: '192.0.2.1' }] });
    const cases: [string, Buffer][] = [
      ['short header', good.subarray(0, 11)],
      ['trailing byte', Buffer.concat([good, Buffer.from([0])])],
      ['truncated record', good.subarray(0, good.length - 1)],
      ['A data of 5 bytes', (() => {
        const b = Buffer.concat([good, Buffer.from([0])]);
        b.writeUInt16BE(5, good.length - 6);
        return b;
      })()],
      ['OPT in the answer section', response({ answers: [opt()] })],
      ['two OPT records', response({ additionals: [opt(), opt()] })],
      ['CNAME name shorter than its data', (() => {
        const b = Buffer.concat([response({ answers: [{ type: 'CNAME', name: 'a', ttl: 1, data: 'b' }] }), Buffer.from([0])]);
        b.writeUInt16BE(4, b.length - 6);
        return b;
      })()],
      ['pointer loop', (() => {
        // The answer's owner name becomes a pointer to itself.
        const b = Buffer.from(good);
        const owner = good.length - 27;
        b.writeUInt16BE(0xc000 | owner, owner);
        return b;
      })()],
      ['more questions than present', (() => {
        const b = Buffer.from(good);
        b.writeUInt16BE(2, 4);
        return b;
      })()],
    ];
    for (const [label, buf] of cases) {
      const error = parseError(buf);
      expect(error.offset, label).toBeGreaterThanOrEqual(0);
      expect(error.offset, label).toBeLessThanOrEqual(buf.length);
    }
  });
});
