import { describe, expect, it } from 'vitest';
import { randomInt, seededRandom } from '../test-support/random.ts';
import { ExtendedRCode, RCode, RRClass, RRType } from './constants.ts';
import { DnsParseError } from './errors.ts';
import { decodeMessage } from './message.ts';
import { encodeQuery, encodeReject, parseQuery } from './query.ts';
import { emptyReply, prepareReply } from './reply.ts';
import { encodeResponse } from './response.ts';
import type { ResourceRecord } from './types.ts';

const QNAME = 'web.default.svc.cluster.local';
const ITERATIONS = 4000;

function seedPackets(): Buffer[] {
  const records: ResourceRecord[] = [
    { name: QNAME, type: RRType.A, ttl: 5, address: '10.0.0.1' },
    { name: QNAME, type: RRType.AAAA, ttl: 5, address: 'fd00::1' },
    { name: QNAME, type: RRType.CNAME, ttl: 5, target: 'x.svc.cluster.local' },
    { name: `_p._tcp.${QNAME}`, type: RRType.SRV, ttl: 5, priority: 0, weight: 1, port: 80, target: `a.${QNAME}` },
    { name: QNAME, type: RRType.TXT, ttl: 5, text: ['hello'] },
    { name: 'cluster.local', type: RRType.SOA, ttl: 5, mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 },
    { name: 'cluster.local', type: RRType.MX, ttl: 5, preference: 1, exchange: 'mx.cluster.local' },
    { name: '1.0.0.10.in-addr.arpa', type: RRType.PTR, ttl: 5, target: QNAME },
    { name: QNAME, type: RRType.HINFO, ttl: 5, cpu: 'c', os: 'o' },
    { name: 'cluster.local', type: RRType.NS, ttl: 5, target: 'ns.dns.cluster.local' },
  ];
  const query = encodeQuery(QNAME, RRType.A, { id: 1, edns: { udpSize: 1232, dnssecOk: true } });
  const parsed = parseQuery(query);
  if (parsed.kind !== 'query') throw new Error('seed query rejected');
  const reply = prepareReply({ rcode: 0, flags: 0x0400, qname: QNAME, sections: { answer: records.slice(0, 5), authority: records.slice(5, 7), additional: records.slice(7) } });
  return [
    query,
    encodeQuery('', RRType.NS, { id: 2 }),
    encodeQuery(QNAME, RRType.SRV, { id: 3, class: RRClass.CH }),
    encodeResponse(parsed.query, reply, 65535),
    encodeResponse(parsed.query, reply, 512),
  ];
}

function mutate(random: () => number, seeds: Buffer[]): Buffer {
  const seed = seeds[randomInt(random, seeds.length)] as Buffer;
  const buf = Buffer.from(seed);
  switch (randomInt(random, 6)) {
    case 0: {
      for (let flips = 1 + randomInt(random, 4); flips > 0; flips--) {
        const at = randomInt(random, buf.length);
        buf[at] = (buf[at] as number) ^ (1 << randomInt(random, 8));
      }
      return buf;
    }
    case 1: {
      for (let writes = 1 + randomInt(random, 4); writes > 0; writes--) buf[randomInt(random, buf.length)] = randomInt(random, 256);
      return buf;
    }
    case 2:
      return buf.subarray(0, randomInt(random, buf.length));
    case 3:
      return Buffer.concat([buf, Buffer.from(Array.from({ length: 1 + randomInt(random, 16) }, () => randomInt(random, 256)))]);
    case 4: {
      // Counts that disagree with the content.
      buf.writeUInt16BE(randomInt(random, 4), 4 + 2 * randomInt(random, 4));
      return buf;
    }
    default: {
      // A compression pointer somewhere, aiming anywhere.
      const at = 12 + randomInt(random, Math.max(1, buf.length - 13));
      if (at + 1 < buf.length) buf.writeUInt16BE(0xc000 | randomInt(random, buf.length + 8), at);
      return buf;
    }
  }
}

function randomPacket(random: () => number): Buffer {
  return Buffer.from(Array.from({ length: randomInt(random, 80) }, () => randomInt(random, 256)));
}

describe('fuzzing the decoders with random and mutated packets', () => {
  it('parseQuery, encodeReject and decodeMessage fail only in the documented ways', () => {
    const random = seededRandom(20240601);
    const seeds = seedPackets();
    const outcomes = { query: 0, reject: 0, drop: 0, decoded: 0, parseErrors: 0 };
    for (let n = 0; n < ITERATIONS; n++) {
      const buf = n % 5 === 0 ? randomPacket(random) : mutate(random, seeds);

      const parsed = parseQuery(buf);
      outcomes[parsed.kind]++;
      if (parsed.kind === 'query') {
        // Whatever was accepted can be answered, and the answer is a well-formed message.
        const answer = decodeMessage(encodeResponse(parsed.query, emptyReply(RCode.NXDOMAIN), 512));
        expect(answer.questions[0]?.name).toBe(parsed.query.name);
      } else if (parsed.kind === 'reject') {
        expect([RCode.FORMERR, RCode.NOTIMP, ExtendedRCode.BADVERS]).toContain(parsed.rcode);
      }

      for (const rcode of [RCode.FORMERR, RCode.NOTIMP, ExtendedRCode.BADVERS]) {
        const reject = encodeReject(buf, rcode);
        if (buf.length < 12) {
          expect(reject).toBeNull();
        } else {
          const decoded = decodeMessage(reject as Buffer);
          expect(decoded.id).toBe(buf.readUInt16BE(0));
          expect(decoded.rcode).toBe(decoded.opt === null ? rcode & 0xf : rcode);
        }
      }

      try {
        decodeMessage(buf);
        outcomes.decoded++;
      } catch (error) {
        if (!(error instanceof DnsParseError)) throw error;
        outcomes.parseErrors++;
      }
    }
    // The mix must exercise every path, or the test proves little.
    for (const [outcome, count] of Object.entries(outcomes)) expect(count, outcome).toBeGreaterThan(20);
  });
});
