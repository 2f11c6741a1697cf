import * as packet from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { RRClass, RRType } from './constants.ts';
import { DnsEncodeError } from './errors.ts';
import { decodeMessage, type UnknownRecord } from './message.ts';
import { parseQuery } from './query.ts';
import {
  BodyNames,
  isUnknownRecord,
  isWalkable,
  readReplyRecords,
  recordClass,
  recordDataStart,
  recordEnd,
  recordStart,
  recordTtl,
  recordType,
  type ReplyRecord,
} from './reply-records.ts';
import { prepareReply } from './reply.ts';
import { encodeResponse } from './response.ts';
import type { Query, Reply } from './types.ts';

const QNAME = 'web.default.svc.cluster.local';

function ask(name: string): Query {
  const parsed = parseQuery(packet.encode({ type: 'query', id: 7, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] }));
  if (parsed.kind !== 'query') throw new Error('test query rejected');
  return parsed.query;
}

const raw: UnknownRecord = { name: `x.${QNAME}`, type: 65280, class: RRClass.IN, ttl: 9, data: Buffer.from([1, 2, 3]) };
const answer: ReplyRecord[] = [
  { name: QNAME, type: RRType.CNAME, class: RRClass.IN, ttl: 30, target: `other.${QNAME}` },
  { name: `other.${QNAME}`, type: RRType.A, class: RRClass.IN, ttl: 20, address: '10.0.0.1' },
  raw,
];
const authority: ReplyRecord[] = [
  { name: 'cluster.local', type: RRType.SOA, class: RRClass.IN, ttl: 5, mname: 'ns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 },
];
const additional: ReplyRecord[] = [
  { name: `_p._tcp.${QNAME}`, type: RRType.SRV, class: RRClass.CH, ttl: 7, priority: 1, weight: 2, port: 53, target: QNAME },
];

function build(qname: string | null): Reply {
  return prepareReply({ rcode: 0, flags: 0, qname, sections: { answer, authority, additional } });
}

describe('prepareReply with raw records', () => {
  it('copies their data as it came and still compresses the names around them', () => {
    const compressed = build(QNAME);
    const uncompressed = build(null);
    expect(compressed.body.length).toBeLessThan(uncompressed.body.length);
    const message = decodeMessage(encodeResponse(ask(QNAME), compressed, 65535));
    expect(message.answer[2]).toEqual(raw);
    expect(message.answer.slice(0, 2)).toEqual(answer.slice(0, 2));
  });

  it('counts their TTLs like any other record', () => {
    expect(build(QNAME).minTtl).toBe(5);
    expect(prepareReply({ rcode: 0, flags: 0, qname: null, sections: { answer: [raw], authority: [], additional: [] } }).minTtl).toBe(9);
  });

  it('refuses data that would make the reply larger than a message can be', () => {
    const huge = { ...raw, data: Buffer.alloc(70_000) };
    expect(() => prepareReply({ rcode: 0, flags: 0, qname: null, sections: { answer: [huge], authority: [], additional: [] } })).toThrow(DnsEncodeError);
  });
});

describe('readReplyRecords', () => {
  it('gives back the records prepareReply encoded, for a compressed body and an uncompressed one', () => {
    for (const reply of [build(QNAME), build(null)]) {
      expect(readReplyRecords(reply, QNAME)).toEqual({ answer, authority, additional });
    }
  });

  it('reads a body compressed against another question when the reply names none', () => {
    // Built for QNAME, but with its qname forgotten: the asked name must stand in.
    const reply = { ...build(QNAME), qname: null };
    expect(readReplyRecords(reply, QNAME).answer).toEqual(answer);
  });

  it('drops an OPT record a handler left in the body', () => {
    const reply = build(QNAME);
    const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
    const withOpt = { ...reply, body: Buffer.concat([reply.body, opt]), additionalCount: reply.additionalCount + 1 };
    expect(readReplyRecords(withOpt, QNAME).additional).toEqual(additional);
  });

  it('tells raw records from modelled ones', () => {
    expect(readReplyRecords(build(QNAME), QNAME).answer.map(isUnknownRecord)).toEqual([false, false, true]);
  });
});

describe('reading records in place', () => {
  const reply = build(QNAME);
  const records = [...answer, ...authority, ...additional];

  it('finds every record type, class, TTL and bounds from ttlOffsets', () => {
    const { body, ttlOffsets } = reply;
    expect(Array.from(ttlOffsets, (ttlAt) => recordType(body, ttlAt))).toEqual(records.map((record) => record.type));
    expect(Array.from(ttlOffsets, (ttlAt) => recordClass(body, ttlAt))).toEqual(records.map((record) => record.class));
    expect(Array.from(ttlOffsets, (ttlAt) => recordTtl(body, ttlAt))).toEqual(records.map((record) => record.ttl));
    const rawAt = ttlOffsets[2] as number;
    expect(body.subarray(recordDataStart(rawAt), recordEnd(body, rawAt))).toEqual(raw.data);
    expect(recordStart(reply, 0)).toBe(0);
    expect(recordStart(reply, 3)).toBe(recordEnd(body, rawAt));
  });

  it('decodes owners and targets, following pointers into the question', () => {
    const names = new BodyNames(ask(QNAME.toUpperCase()), reply);
    expect([0, 1, 2, 3, 4].map((index) => names.owner(index))).toEqual(records.map((record) => record.name));
    expect(names.target(0)).toBe(`other.${QNAME}`);
    expect(() => names.nameAt(reply.body.length)).toThrow();
  });

  it('knows a body its offsets describe from one they do not', () => {
    expect(isWalkable(reply)).toBe(true);
    expect(isWalkable({ ...reply, additionalCount: 0 })).toBe(false);
    expect(isWalkable({ ...reply, body: reply.body.subarray(0, reply.body.length - 1) })).toBe(false);
    expect(isWalkable({ ...reply, body: Buffer.concat([reply.body, Buffer.alloc(1)]) })).toBe(false);
    const shifted = Uint32Array.from(reply.ttlOffsets, (offset, index) => (index === 1 ? offset + 1 : offset));
    expect(isWalkable({ ...reply, ttlOffsets: shifted })).toBe(false);
  });
});
