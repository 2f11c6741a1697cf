import * as packet from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { ExtendedRCode, HeaderFlag, Opcode, RCode, RRClass, RRType } from './constants.ts';
import { DnsEncodeError } from './errors.ts';
import { encodeQuery, encodeReject, parseQuery } from './query.ts';
import type { Query } from './types.ts';

/** An OPT record for dns-packet; any field can be overridden. */
function opt(fields: Partial<packet.OptAnswer> = {}): packet.OptAnswer {
  return { type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [], ...fields };
}

function query(fields: packet.Packet): Buffer {
  return packet.encode({ type: 'query', id: 0x1234, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name: 'Web.Default.svc.Cluster.Local' }], ...fields });
}

function accepted(buf: Buffer): Query {
  const parsed = parseQuery(buf);
  if (parsed.kind !== 'query') throw new Error(`expected a query, got ${JSON.stringify(parsed)}`);
  return parsed.query;
}

describe('parseQuery', () => {
  it('reads a plain query: lower-cased name, type, class, flags, question end', () => {
    const buf = query({});
    const q = accepted(buf);
    expect(q).toMatchObject({
      id: 0x1234,
      opcode: Opcode.QUERY,
      flags: HeaderFlag.RD,
      recursionDesired: true,
      checkingDisabled: false,
      name: 'web.default.svc.cluster.local',
      type: RRType.A,
      class: RRClass.IN,
      edns: null,
      questionEnd: buf.length,
    });
    expect(q.raw).toBe(buf);
  });

  it('reads every question type and class dns-packet encodes', () => {
    const types: [packet.RecordType, number][] = [['AAAA', 28], ['SRV', 33], ['PTR', 12], ['TXT', 16], ['ANY' as packet.RecordType, 255], ['AXFR', 252]];
    for (const [type, code] of types) {
      const q = accepted(query({ questions: [{ type, name: 'x.example', class: 'CH' }] }));
      expect(q.type).toBe(code);
      expect(q.class).toBe(RRClass.CH);
    }
    expect(accepted(query({ questions: [{ type: 'NS', name: '.' }] })).name).toBe('');
  });

  it('reads EDNS: size, version, DO; sizes under 512 count as 512', () => {
    const q = accepted(query({ flags: packet.CHECKING_DISABLED, additionals: [opt({ udpPayloadSize: 1232, flags: packet.DNSSEC_OK })] }));
    expect(q.edns).toEqual({ udpSize: 1232, version: 0, dnssecOk: true });
    expect(q.checkingDisabled).toBe(true);
    expect(q.recursionDesired).toBe(false);
    expect(accepted(query({ additionals: [opt({ udpPayloadSize: 100 })] })).edns?.udpSize).toBe(512);
  });

  it('ignores unknown EDNS options and other additional, answer and authority records', () => {
    const q = accepted(
      query({
        answers: [{ type: 'A', name: 'a.example', ttl: 1, data: '1.2.3.4' }],
        authorities: [{ type: 'NS', name: 'example', ttl: 1, data: 'ns.example' }],
        additionals: [
          { type: 'TXT', name: 'b.example', ttl: 1, data: 'x' },
          opt({ options: [{ code: 65001 as 0, data: Buffer.from('hello') } as unknown as packet.PacketOpt] }),
        ],
      }),
    );
    expect(q.edns).toEqual({ udpSize: 4096, version: 0, dnssecOk: false });
  });

  it('drops runts and responses', () => {
    expect(parseQuery(Buffer.alloc(11))).toEqual({ kind: 'drop' });
    expect(parseQuery(packet.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'a' }] }))).toEqual({ kind: 'drop' });
  });

  it('rejects other opcodes with NOTIMP', () => {
    for (const opcode of [Opcode.IQUERY, Opcode.STATUS, Opcode.NOTIFY, Opcode.UPDATE]) {
      expect(parseQuery(query({ flags: opcode << 11 }))).toEqual({ kind: 'reject', rcode: RCode.NOTIMP });
    }
  });

  const formerr = { kind: 'reject', rcode: RCode.FORMERR };

  it('rejects anything but one question with FORMERR', () => {
    expect(parseQuery(query({ questions: [] }))).toEqual(formerr);
    expect(parseQuery(query({ questions: [{ type: 'A', name: 'a' }, { type: 'A', name: 'b' }] }))).toEqual(formerr);
  });

  it('rejects a bad or truncated question with FORMERR', () => {
    const buf = query({});
    expect(parseQuery(buf.subarray(0, buf.length - 1))).toEqual(formerr);
    expect(parseQuery(buf.subarray(0, 20))).toEqual(formerr);
    const pointer = Buffer.from(buf);
    pointer.writeUInt16BE(0xc000, 12);
    expect(parseQuery(pointer)).toEqual(formerr);
    const badLabel = Buffer.from(buf);
    badLabel[12] = 0x80;
    expect(parseQuery(badLabel)).toEqual(formerr);
  });

  it('rejects two OPT records, a non-root OPT and broken option framing with FORMERR', () => {
    expect(parseQuery(query({ additionals: [opt(), opt()] }))).toEqual(formerr);
    const nonRoot = Buffer.concat([query({}), Buffer.from([1, 0x78, 0, 0, RRType.OPT, 0x10, 0, 0, 0, 0, 0, 0, 0])]);
    nonRoot.writeUInt16BE(1, 10);
    expect(parseQuery(nonRoot)).toEqual(formerr);
    const withOption = query({ additionals: [opt({ options: [{ code: 65001 as 0, data: Buffer.from('abcd') } as unknown as packet.PacketOpt] })] });
    const broken = Buffer.from(withOption);
    broken.writeUInt16BE(5, broken.length - 6);
    expect(parseQuery(broken)).toEqual(formerr);
  });

  it('answers EDNS versions above 0 with BADVERS', () => {
    expect(parseQuery(query({ additionals: [opt({ ednsVersion: 1 })] }))).toEqual({ kind: 'reject', rcode: ExtendedRCode.BADVERS });
  });

  it('rejects trailing bytes and truncated records with FORMERR', () => {
    expect(parseQuery(Buffer.concat([query({}), Buffer.from([0])]))).toEqual(formerr);
    const withOpt = query({ additionals: [opt()] });
    expect(parseQuery(withOpt.subarray(0, withOpt.length - 1))).toEqual(formerr);
    const claimsMore = Buffer.from(withOpt);
    claimsMore.writeUInt16BE(2, 10);
    expect(parseQuery(claimsMore)).toEqual(formerr);
  });
});

describe('encodeReject', () => {
  it('echoes ID, opcode, RD and CD and the question, sets the rcode, keeps an OPT', () => {
    const buf = query({ flags: packet.RECURSION_DESIRED | packet.CHECKING_DISABLED, additionals: [opt({ flags: packet.DNSSEC_OK }), opt()] });
    const reply = encodeReject(buf, RCode.FORMERR) as Buffer;
    const decoded = packet.decode(reply);
    expect(decoded).toMatchObject({ id: 0x1234, type: 'response', rcode: 'FORMERR', opcode: 'QUERY', flag_rd: true, flag_cd: true });
    expect(decoded.questions).toEqual([{ name: 'Web.Default.svc.Cluster.Local', type: 'A', class: 'IN' }]);
    expect(decoded.answers).toEqual([]);
    expect(decoded.additionals).toMatchObject([{ type: 'OPT', udpPayloadSize: 1232, ednsVersion: 0, flag_do: true, options: [] }]);
  });

  it('sends no question for NOTIMP or a question count other than one, and no OPT when there was none', () => {
    const notify = packet.decode(encodeReject(query({ flags: (Opcode.NOTIFY << 11) | packet.RECURSION_DESIRED }), RCode.NOTIMP) as Buffer);
    expect(notify).toMatchObject({ rcode: 'NOTIMP', opcode: 'NOTIFY', flag_rd: false, questions: [], additionals: [] });
    const two = packet.decode(encodeReject(query({ questions: [{ type: 'A', name: 'a' }, { type: 'A', name: 'b' }] }), RCode.FORMERR) as Buffer);
    expect(two).toMatchObject({ rcode: 'FORMERR', questions: [], additionals: [] });
  });

  it('sends the header alone when the question does not parse, and null for a runt', () => {
    const buf = query({});
    const reply = encodeReject(buf.subarray(0, 20), RCode.FORMERR) as Buffer;
    expect(reply.length).toBe(12);
    expect(reply.readUInt16BE(0)).toBe(0x1234);
    expect(reply.readUInt16BE(2)).toBe(HeaderFlag.QR | HeaderFlag.RD | RCode.FORMERR);
    expect(reply.readUInt16BE(4)).toBe(0);
    expect(encodeReject(Buffer.alloc(5), RCode.FORMERR)).toBeNull();
  });

  it('keeps the question but not a broken OPT record', () => {
    const buf = query({ additionals: [opt()] });
    const reply = packet.decode(encodeReject(buf.subarray(0, buf.length - 2), RCode.FORMERR) as Buffer);
    expect(reply.questions).toHaveLength(1);
    expect(reply.additionals).toEqual([]);
  });

  it('encodes BADVERS in the OPT record: header rcode 0, extended rcode 1, version 0', () => {
    const reply = encodeReject(query({ additionals: [opt({ ednsVersion: 1 })] }), ExtendedRCode.BADVERS) as Buffer;
    const decoded = packet.decode(reply);
    expect(reply.readUInt16BE(2) & 0xf).toBe(0);
    expect(decoded.questions).toHaveLength(1);
    expect(decoded.additionals).toMatchObject([{ type: 'OPT', extendedRcode: 1, ednsVersion: 0 }]);
  });
});

describe('encodeQuery', () => {
  it('builds a query dns-packet reads and parseQuery accepts', () => {
    const buf = encodeQuery('kubernetes.default.svc.cluster.local', RRType.SRV, { id: 77, edns: { udpSize: 1232, dnssecOk: true } });
    const decoded = packet.decode(buf);
    expect(decoded).toMatchObject({ id: 77, type: 'query', flag_rd: true, questions: [{ name: 'kubernetes.default.svc.cluster.local', type: 'SRV', class: 'IN' }] });
    expect(decoded.additionals).toMatchObject([{ type: 'OPT', udpPayloadSize: 1232, flag_do: true }]);
    expect(accepted(buf)).toMatchObject({ id: 77, type: RRType.SRV, edns: { udpSize: 1232, dnssecOk: true } });
  });

  it('defaults to RD set, class IN and no EDNS; options override', () => {
    const plain = packet.decode(encodeQuery('', RRType.NS));
    expect(plain).toMatchObject({ flag_rd: true, questions: [{ name: '.', type: 'NS', class: 'IN' }], additionals: [] });
    expect(packet.decode(encodeQuery('', RRType.NS, { id: 0x1234 })).id).toBe(0x1234);
    const chaos = packet.decode(encodeQuery('version.bind', RRType.TXT, { recursionDesired: false, class: RRClass.CH }));
    expect(chaos).toMatchObject({ flag_rd: false, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
  });

  it('defaults to a random ID: 64 queries take IDs spread over the 16 bits, not a constant or a count', () => {
    const ids = Array.from({ length: 64 }, () => packet.decode(encodeQuery('', RRType.NS)).id as number);
    // 64 uniform draws from 65536 values: five repeats, or all within 4096 of each other, come
    // about once in 10^9 runs or far less.
    expect(new Set(ids).size).toBeGreaterThanOrEqual(60);
    expect(Math.max(...ids) - Math.min(...ids)).toBeGreaterThan(0x1000);
  });

  it('refuses out-of-range numbers and bad names', () => {
    expect(() => encodeQuery('a', 70000)).toThrow(DnsEncodeError);
    expect(() => encodeQuery('a', RRType.A, { id: -1 })).toThrow(DnsEncodeError);
    expect(() => encodeQuery('a..b', RRType.A)).toThrow(DnsEncodeError);
  });
});
