import { SocketAddress } from 'node:net';
import * as packet from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { ExtendedRCode, HeaderFlag, RCode, RRClass, RRType } from './constants.ts';
import { DnsEncodeError } from './errors.ts';
import { decodeMessage } from './message.ts';
import { encodeName } from './names.ts';
import { parseQuery } from './query.ts';
import { emptyReply, prepareReply } from './reply.ts';
import { encodeResponse, udpLimit } from './response.ts';
import type { Query, ResourceRecord, Sections } from './types.ts';

const QNAME = 'web.default.svc.cluster.local';

function ask(name: string, type: packet.RecordType, options: { udpSize?: number; dnssecOk?: boolean; flags?: number } = {}): Query {
  const additionals: packet.Answer[] =
    options.udpSize === undefined
      ? []
      : [{ type: 'OPT', name: '.', udpPayloadSize: options.udpSize, extendedRcode: 0, ednsVersion: 0, flags: options.dnssecOk ? packet.DNSSEC_OK : 0, flag_do: false, options: [] }];
  const parsed = parseQuery(packet.encode({ type: 'query', id: 4242, flags: options.flags ?? packet.RECURSION_DESIRED, questions: [{ type, name }], additionals }));
  if (parsed.kind !== 'query') throw new Error('test query rejected');
  return parsed.query;
}

function sections(answer: ResourceRecord[], authority: ResourceRecord[] = [], additional: ResourceRecord[] = []): Sections {
  return { answer, authority, additional };
}

const everyType: ResourceRecord[] = [
  { name: QNAME, type: RRType.A, ttl: 30, address: '10.96.0.10' },
  { name: QNAME, type: RRType.AAAA, ttl: 30, address: '2001:db8::a' },
  { name: QNAME, type: RRType.AAAA, ttl: 30, address: '::ffff:10.0.0.1' },
  { name: QNAME, type: RRType.CNAME, ttl: 30, target: 'other.default.svc.cluster.local' },
  { name: '10.0.96.10.in-addr.arpa', type: RRType.PTR, ttl: 30, target: QNAME },
  { name: 'cluster.local', type: RRType.NS, ttl: 30, target: 'ns.dns.cluster.local' },
  { name: `_http._tcp.${QNAME}`, type: RRType.SRV, ttl: 30, priority: 0, weight: 100, port: 8080, target: QNAME },
  { name: QNAME, type: RRType.TXT, ttl: 30, text: ['hello', 'x'.repeat(600), '', 'héllo'] },
  { name: QNAME, type: RRType.HINFO, ttl: 30, cpu: 'AMD64', os: 'Linux' },
  { name: 'cluster.local', type: RRType.MX, ttl: 30, preference: 10, exchange: 'mail.cluster.local' },
  { name: 'cluster.local', type: RRType.SOA, ttl: 5, mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1700000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
  { name: 'version.bind', class: RRClass.CH, type: RRType.TXT, ttl: 0, text: ['clusterdns'] },
];

/** What dns-packet decodes for one of our records, in our terms. */
function expectedByDnsPacket(record: ResourceRecord): unknown {
  switch (record.type) {
    case RRType.A:
    case RRType.AAAA:
      return normalizeAddress(record.address);
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.NS:
      return record.target;
    case RRType.SRV:
      return { priority: record.priority, weight: record.weight, port: record.port, target: record.target };
    case RRType.MX:
      return { preference: record.preference, exchange: record.exchange };
    case RRType.SOA: {
      const { mname, rname, serial, refresh, retry, expire, minimum } = record;
      return { mname, rname, serial, refresh, retry, expire, minimum };
    }
    case RRType.TXT:
      return record.text.flatMap((text) => {
        const bytes = Buffer.from(text);
        const pieces = [];
        for (let i = 0; i === 0 || i < bytes.length; i += 255) pieces.push(bytes.subarray(i, i + 255));
        return pieces;
      });
    case RRType.HINFO:
      return { cpu: record.cpu, os: record.os };
  }
}

function ttlOf(answer: packet.Answer): number | undefined {
  return (answer as { ttl?: number }).ttl;
}

function normalizeAddress(address: string): string {
  return new SocketAddress({ address, family: address.includes(':') ? 'ipv6' : 'ipv4' }).address;
}

/** dns-packet's answer data in comparable form: names lower-cased (pointers may borrow the asker's case). */
function fromDnsPacket(answer: packet.Answer): unknown {
  const data = (answer as { data: unknown }).data;
  const lower = (name: unknown) => (name as string).toLowerCase();
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return normalizeAddress(data as string);
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return lower(data);
    case 'SRV':
      return { ...(data as packet.SrvData), target: lower((data as packet.SrvData).target) };
    case 'MX':
      return { ...(data as packet.MxData), exchange: lower((data as packet.MxData).exchange) };
    case 'SOA':
      return { ...(data as packet.SoaData), mname: lower((data as packet.SoaData).mname), rname: lower((data as packet.SoaData).rname) };
    default:
      return data;
  }
}

describe('prepareReply + encodeResponse round-trips', () => {
  it('writes every record type so that dns-packet reads the same records', () => {
    const query = ask(QNAME, 'A', { udpSize: 4096 });
    const reply = prepareReply({ rcode: RCode.NOERROR, flags: HeaderFlag.AA, qname: QNAME, sections: sections(everyType.slice(0, 6), everyType.slice(6, 9), everyType.slice(9)) });
    const decoded = packet.decode(encodeResponse(query, reply, 65535));
    const records = [...decoded.answers!, ...decoded.authorities!, ...decoded.additionals!.filter((r) => r.type !== 'OPT')];
    expect(records).toHaveLength(everyType.length);
    records.forEach((record, i) => {
      const original = everyType[i] as ResourceRecord;
      expect(record.name.toLowerCase(), `owner of record ${i}`).toBe(original.name);
      expect(ttlOf(record)).toBe(original.ttl);
      expect(fromDnsPacket(record), `data of record ${i}`).toEqual(expectedByDnsPacket(original));
    });
    expect(decoded.authorities!.map((r) => r.type)).toEqual(['SRV', 'TXT', 'HINFO']);
    expect(decoded.additionals!.at(-1)).toMatchObject({ type: 'OPT' });
  });

  it('reads back through decodeMessage to the very records it was given', () => {
    const query = ask(QNAME, 'ANY' as packet.RecordType);
    const records = everyType.filter((r) => r.type !== RRType.TXT || r.text.every((t) => Buffer.byteLength(t) <= 255));
    const reply = prepareReply({ rcode: RCode.NOERROR, flags: 0, qname: QNAME, sections: sections(records) });
    const decoded = decodeMessage(encodeResponse(query, reply, 65535));
    expect(decoded.answer).toEqual(records.map((r) => ({ class: RRClass.IN, ...r, ...(r.type === RRType.AAAA ? { address: normalizeAddress(r.address) } : {}) })));
  });

  it('sets the header from the query and the reply, and an OPT record only when asked', () => {
    const query = ask(QNAME, 'A', { udpSize: 4096, dnssecOk: true, flags: packet.RECURSION_DESIRED | packet.CHECKING_DISABLED });
    const reply = prepareReply({ rcode: RCode.NXDOMAIN, flags: HeaderFlag.AA | HeaderFlag.RA, qname: null, sections: sections([]) });
    const decoded = packet.decode(encodeResponse(query, reply, 512));
    expect(decoded).toMatchObject({ id: 4242, type: 'response', rcode: 'NXDOMAIN', flag_aa: true, flag_ra: true, flag_rd: true, flag_cd: true, flag_tc: false });
    expect(decoded.questions).toEqual([{ name: QNAME, type: 'A', class: 'IN' }]);
    expect(decoded.additionals).toEqual([expect.objectContaining({ type: 'OPT', udpPayloadSize: 4096, ednsVersion: 0, flag_do: true, options: [] })]);
    const plain = packet.decode(encodeResponse(ask(QNAME, 'A', { flags: 0 }), reply, 512));
    expect(plain).toMatchObject({ flag_rd: false, flag_cd: false, additionals: [] });
  });

  it("sends the reply's RD bit where it has one instead of the query's, CD still the query's", () => {
    const asked = ask(QNAME, 'A', { flags: packet.RECURSION_DESIRED | packet.CHECKING_DISABLED });
    const cleared = packet.decode(encodeResponse(asked, { ...emptyReply(RCode.NOERROR), recursionDesired: false }, 512));
    expect(cleared).toMatchObject({ flag_rd: false, flag_cd: true });
    const set = packet.decode(encodeResponse(ask(QNAME, 'A', { flags: 0 }), { ...emptyReply(RCode.NOERROR), recursionDesired: true }, 512));
    expect(set).toMatchObject({ flag_rd: true, flag_cd: false });
  });

  it('appends EDNS options to the OPT record, after an Extended DNS Error, and counts them against the size', () => {
    const nsid = Buffer.from([0, 3, 0, 2, 0x68, 0x69]);
    const withOptions = { ...emptyReply(RCode.REFUSED), ede: 15, ednsOptions: nsid };
    const decoded = packet.decode(encodeResponse(ask(QNAME, 'A', { udpSize: 1232 }), withOptions, 512));
    expect(decoded.additionals).toEqual([expect.objectContaining({ type: 'OPT', options: [expect.objectContaining({ code: 15 }), expect.objectContaining({ code: 3, data: Buffer.from('hi') })] })]);
    // Without an OPT record there is nowhere to put them.
    expect(packet.decode(encodeResponse(ask(QNAME, 'A'), { ...emptyReply(RCode.NOERROR), ednsOptions: nsid }, 512)).additionals).toEqual([]);
    const many = prepareReply({ rcode: RCode.NOERROR, flags: 0, qname: QNAME, sections: sections(Array.from({ length: 40 }, (_, i) => ({ name: QNAME, type: RRType.A, ttl: 5, address: `10.0.0.${i}` }))) });
    const edns = ask(QNAME, 'A', { udpSize: 512 });
    const plain = encodeResponse(edns, many, 512);
    const optioned = encodeResponse(edns, { ...many, ednsOptions: Buffer.alloc(40, 0) }, 512);
    expect(optioned.length).toBeLessThanOrEqual(512);
    expect(decodeMessage(optioned).answer.length).toBeLessThan(decodeMessage(plain).answer.length);
  });

  it('carries extended rcodes in the OPT record', () => {
    const buf = encodeResponse(ask(QNAME, 'A', { udpSize: 1232 }), emptyReply(ExtendedRCode.BADVERS), 512);
    expect(buf.readUInt16BE(2) & 0xf).toBe(0);
    expect(decodeMessage(buf).rcode).toBe(ExtendedRCode.BADVERS);
  });
});

describe('compression', () => {
  it('points names equal to the question name at offset 12', () => {
    const reply = prepareReply({ rcode: 0, flags: 0, qname: QNAME, sections: sections([{ name: QNAME, type: RRType.A, ttl: 5, address: '10.0.0.1' }]) });
    expect(reply.body.subarray(0, 2)).toEqual(Buffer.from([0xc0, 0x0c]));
    expect(reply.body.length).toBe(2 + 10 + 4);
  });

  it('compresses suffixes and later repeats, and shrinks the body', () => {
    const records: ResourceRecord[] = [
      { name: QNAME, type: RRType.CNAME, ttl: 5, target: 'a.other.svc.cluster.local' },
      { name: 'a.other.svc.cluster.local', type: RRType.A, ttl: 5, address: '10.0.0.2' },
    ];
    const reply = prepareReply({ rcode: 0, flags: 0, qname: QNAME, sections: sections(records) });
    const uncompressed = prepareReply({ rcode: 0, flags: 0, qname: null, sections: sections(records) });
    // CNAME target: 'a', 'other', pointer to 'svc.cluster.local' in the question; the A owner: one pointer.
    expect(reply.body.length).toBe(2 + 10 + (2 + 6 + 2) + 2 + 10 + 4);
    expect(uncompressed.body.length).toBe(encodeName(QNAME).length + 10 + 27 + 27 + 10 + 4);
    const decoded = decodeMessage(encodeResponse(ask(QNAME, 'A'), reply, 512));
    expect(decoded.answer).toEqual(records.map((r) => ({ class: RRClass.IN, ...r })));
  });

  it('never compresses SRV targets, even when the name was written before', () => {
    const target = `10-0-0-1.${QNAME}`;
    const records: ResourceRecord[] = [
      { name: target, type: RRType.A, ttl: 5, address: '10.0.0.1' },
      { name: QNAME, type: RRType.SRV, ttl: 5, priority: 0, weight: 0, port: 80, target },
      { name: QNAME, type: RRType.SRV, ttl: 5, priority: 0, weight: 0, port: 81, target: QNAME },
    ];
    const reply = prepareReply({ rcode: 0, flags: 0, qname: QNAME, sections: sections(records) });
    const buf = encodeResponse(ask(QNAME, 'SRV'), reply, 65535);
    const decoded = decodeMessage(buf);
    const ttlBase = buf.length - reply.body.length;
    for (const index of [1, 2]) {
      const rdata = ttlBase + (reply.ttlOffsets[index] as number) + 6 + 6;
      const wire = encodeName((records[index] as { target: string }).target);
      expect(buf.subarray(rdata, rdata + wire.length), `SRV ${index} target`).toEqual(wire);
    }
    expect(decoded.answer).toEqual(records.map((r) => ({ class: RRClass.IN, ...r })));
  });

  it('keeps pointers valid when the asker used other case, and echoes the asker case', () => {
    const reply = prepareReply({
      rcode: 0,
      flags: 0,
      qname: QNAME,
      sections: sections([
        { name: QNAME, type: RRType.CNAME, ttl: 5, target: 'x.svc.cluster.local' },
        { name: 'x.svc.cluster.local', type: RRType.A, ttl: 5, address: '10.0.0.3' },
      ]),
    });
    const asked = 'WEB.Default.SVC.cluster.LOCAL';
    const decoded = packet.decode(encodeResponse(ask(asked, 'A'), reply, 512));
    expect(decoded.questions![0]!.name).toBe(asked);
    expect(decoded.answers!.map((a) => [a.name, (a as { data: string }).data])).toEqual([
      [asked, 'x.SVC.cluster.LOCAL'],
      ['x.SVC.cluster.LOCAL', '10.0.0.3'],
    ]);
  });

  it('with qname null writes no pointers, so the body suits any question', () => {
    const reply = prepareReply({ rcode: 0, flags: 0, qname: null, sections: sections([{ name: 'a.b', type: RRType.CNAME, ttl: 1, target: 'c.a.b' }]) });
    expect(reply.body).toEqual(Buffer.concat([encodeName('a.b'), Buffer.from([0, 5, 0, 1, 0, 0, 0, 1, 0, 7]), encodeName('c.a.b')]));
    for (const name of ['x', QNAME]) {
      expect(decodeMessage(encodeResponse(ask(name, 'A'), reply, 512)).answer).toHaveLength(1);
    }
  });

  it('refuses to send a body compressed for a question of another length', () => {
    const reply = prepareReply({ rcode: 0, flags: 0, qname: 'short', sections: sections([{ name: 'short', type: RRType.A, ttl: 1, address: '1.1.1.1' }]) });
    expect(() => encodeResponse(ask(QNAME, 'A'), reply, 512)).toThrow(DnsEncodeError);
  });
});

describe('TTLs', () => {
  const records: ResourceRecord[] = [
    { name: QNAME, type: RRType.A, ttl: 30, address: '10.0.0.1' },
    { name: QNAME, type: RRType.A, ttl: 7, address: '10.0.0.2' },
  ];
  const soa: ResourceRecord = { ...(everyType[10] as ResourceRecord), ttl: 20 };
  const glue: ResourceRecord = { name: 'ns.dns.cluster.local', type: RRType.A, ttl: 3, address: '10.0.0.9' };

  it('records each TTL offset and the smallest answer/authority TTL', () => {
    const reply = prepareReply({ rcode: 0, flags: 0, qname: QNAME, sections: sections(records, [soa], [glue]) });
    expect(Array.from(reply.ttlOffsets, (at) => reply.body.readUInt32BE(at))).toEqual([30, 7, 20, 3]);
    expect(reply.minTtl).toBe(7);
    expect(prepareReply({ rcode: 0, flags: 0, qname: QNAME, sections: sections([], [], [glue]) }).minTtl).toBeNull();
  });

  it('counts TTLs down in the output only, flooring at zero', () => {
    const reply = prepareReply({ rcode: 0, flags: 0, qname: QNAME, sections: sections(records, [soa], [glue]) });
    const before = Buffer.from(reply.body);
    const decoded = packet.decode(encodeResponse(ask(QNAME, 'A', { udpSize: 1232 }), reply, 1232, 10));
    expect([...decoded.answers!, ...decoded.authorities!, ...decoded.additionals!.filter((r) => r.type !== 'OPT')].map(ttlOf)).toEqual([20, 0, 10, 0]);
    expect(reply.body).toEqual(before);
    expect(packet.decode(encodeResponse(ask(QNAME, 'A'), reply, 512)).answers!.map(ttlOf)).toEqual([30, 7]);
  });
});

describe('truncation', () => {
  const manyA = (count: number): ResourceRecord[] =>
    Array.from({ length: count }, (_, i) => ({ name: QNAME, type: RRType.A, ttl: 5, address: `10.0.${i >> 8}.${i & 0xff}` }));
  /** Each compressed A record of the question name: pointer, fixed fields, address. */
  const A_RECORD = 2 + 10 + 4;

  it('cuts to whole records within 512 bytes without EDNS and sets TC', () => {
    const query = ask(QNAME, 'A');
    const reply = prepareReply({ rcode: 0, flags: HeaderFlag.AA, qname: QNAME, sections: sections(manyA(40)) });
    const buf = encodeResponse(query, reply, udpLimit(query));
    const fits = Math.floor((512 - query.questionEnd) / A_RECORD);
    expect(buf.length).toBe(query.questionEnd + fits * A_RECORD);
    const decoded = packet.decode(buf);
    expect(decoded.flag_tc).toBe(true);
    expect(decoded.flag_aa).toBe(true);
    expect(decoded.answers!.map((a) => (a as { data: string }).data)).toEqual(manyA(fits).map((r) => (r as { address: string }).address));
  });

  it('cuts to the EDNS size and keeps the OPT record', () => {
    const query = ask(QNAME, 'A', { udpSize: 1232 });
    const reply = prepareReply({ rcode: 0, flags: 0, qname: QNAME, sections: sections(manyA(100)) });
    const buf = encodeResponse(query, reply, udpLimit(query));
    expect(buf.length).toBeLessThanOrEqual(1232);
    expect(buf.length + A_RECORD).toBeGreaterThan(1232);
    const decoded = packet.decode(buf);
    expect(decoded.flag_tc).toBe(true);
    expect(decoded.additionals).toEqual([expect.objectContaining({ type: 'OPT', udpPayloadSize: 1232 })]);
    expect(decoded.answers!.length).toBe(Math.floor((1232 - query.questionEnd - 11) / A_RECORD));
  });

  it('keeps records in section order: answers first, then what authority fits, no additional', () => {
    const query = ask(QNAME, 'A');
    const answers = manyA(10);
    const reply = prepareReply({ rcode: 0, flags: 0, qname: QNAME, sections: sections(answers, manyA(30), manyA(5)) });
    const decoded = decodeMessage(encodeResponse(query, reply, 512));
    expect(decoded.truncated).toBe(true);
    expect(decoded.answer).toHaveLength(10);
    expect(decoded.authority).toHaveLength(Math.floor((512 - query.questionEnd) / A_RECORD) - 10);
    expect(decoded.additional).toHaveLength(0);
  });

  it('does not truncate a response of exactly the limit', () => {
    const query = ask(QNAME, 'A');
    const count = 5;
    const reply = prepareReply({ rcode: 0, flags: 0, qname: QNAME, sections: sections(manyA(count)) });
    const exact = query.questionEnd + count * A_RECORD;
    expect(decodeMessage(encodeResponse(query, reply, exact))).toMatchObject({ truncated: false, answer: { length: count } });
    expect(decodeMessage(encodeResponse(query, reply, exact - 1))).toMatchObject({ truncated: true, answer: { length: count - 1 } });
  });

  it('limits UDP to 512 without EDNS and to the advertised size (at least 512) with it', () => {
    expect(udpLimit(ask(QNAME, 'A'))).toBe(512);
    expect(udpLimit(ask(QNAME, 'A', { udpSize: 4096 }))).toBe(4096);
    expect(udpLimit(ask(QNAME, 'A', { udpSize: 100 }))).toBe(512);
    expect(udpLimit(ask(QNAME, 'A', { udpSize: 65535 }))).toBe(65535);
  });
});

describe('TXT character-strings', () => {
  it('writes one empty string for a record without text, and splits long text at 255 bytes', () => {
    const reply = prepareReply({
      rcode: 0,
      flags: 0,
      qname: QNAME,
      sections: sections([
        { name: QNAME, type: RRType.TXT, ttl: 1, text: [] },
        { name: QNAME, type: RRType.TXT, ttl: 1, text: ['y'.repeat(256)] },
      ]),
    });
    const decoded = decodeMessage(encodeResponse(ask(QNAME, 'TXT'), reply, 1232));
    expect(decoded.answer.map((r) => ('text' in r ? r.text : null))).toEqual([[''], ['y'.repeat(255), 'y']]);
  });
});

describe('prepareReply input checks and emptyReply', () => {
  const bad: [string, ResourceRecord][] = [
    ['IPv4 text', { name: 'a', type: RRType.A, ttl: 1, address: '10.0.0.256' }],
    ['IPv6 in an A record', { name: 'a', type: RRType.A, ttl: 1, address: '::1' }],
    ['IPv6 text', { name: 'a', type: RRType.AAAA, ttl: 1, address: '1::2::3' }],
    ['long label', { name: 'a'.repeat(64), type: RRType.A, ttl: 1, address: '1.1.1.1' }],
    ['negative TTL', { name: 'a', type: RRType.A, ttl: -1, address: '1.1.1.1' }],
    ['SRV port', { name: 'a', type: RRType.SRV, ttl: 1, priority: 0, weight: 0, port: 70000, target: 'b' }],
    ['HINFO string', { name: 'a', type: RRType.HINFO, ttl: 1, cpu: 'x'.repeat(256), os: '' }],
    ['huge TXT', { name: 'a', type: RRType.TXT, ttl: 1, text: ['x'.repeat(70000)] }],
    ['unmodelled type', { name: 'a', type: 99, ttl: 1 } as unknown as ResourceRecord],
  ];
  for (const [label, record] of bad) {
    it(`throws DnsEncodeError on a bad ${label}`, () => {
      expect(() => prepareReply({ rcode: 0, flags: 0, qname: null, sections: sections([record]) })).toThrow(DnsEncodeError);
    });
  }

  it('shares empty replies per rcode and flags', () => {
    expect(emptyReply(RCode.NXDOMAIN, HeaderFlag.AA)).toBe(emptyReply(RCode.NXDOMAIN, HeaderFlag.AA));
    expect(emptyReply(RCode.NXDOMAIN)).not.toBe(emptyReply(RCode.NXDOMAIN, HeaderFlag.AA));
    expect(emptyReply(RCode.SERVFAIL)).toMatchObject({ rcode: RCode.SERVFAIL, flags: 0, qname: null, answerCount: 0, minTtl: null });
    const decoded = packet.decode(encodeResponse(ask(QNAME, 'A'), emptyReply(RCode.REFUSED), 512));
    expect(decoded).toMatchObject({ rcode: 'REFUSED', answers: [], questions: [{ name: QNAME }] });
  });
});

describe('Extended DNS Errors', () => {
  it("writes the info code and its EXTRA-TEXT in the OPT record, CoreDNS's EDNS0(4096, DO) when the query had none", () => {
    const reply = { ...emptyReply(RCode.NXDOMAIN), ede: 21, edeText: Buffer.from('Blocked according to RFC2606') };
    const bare = decodeMessage(encodeResponse(ask(QNAME, 'A'), reply, 512));
    expect(bare.opt).toMatchObject({ udpSize: 4096, dnssecOk: true, options: [{ code: 15, data: Buffer.concat([Buffer.from([0, 21]), reply.edeText]) }] });
    const withEdns = packet.decode(encodeResponse(ask(QNAME, 'A', { udpSize: 1232 }), { ...emptyReply(RCode.REFUSED), ede: 15 }, 1232));
    expect(withEdns.additionals).toMatchObject([{ type: 'OPT', udpPayloadSize: 1232, options: [{ code: 15, data: Buffer.from([0, 15]) }] }]);
  });
});
