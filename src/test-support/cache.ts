/** Helpers for the cache plugin's tests: a clock to move by hand, an origin to answer, decoding. */
import { HeaderFlag, RCode, RRType } from '../dns/constants.ts';
import { decodeMessage, type DecodedMessage } from '../dns/message.ts';
import { prepareReply } from '../dns/reply.ts';
import { encodeResponse } from '../dns/response.ts';
import type { DomainName, Query, Reply, ResourceRecord } from '../dns/types.ts';
import { silentLogger } from '../log.ts';
import { Cache, type CacheClock } from '../plugins/cache/handler.ts';
import { parseCache } from '../plugins/cache/parse.ts';
import type { Handler, Request } from '../toolkit/types.ts';
import { directive } from './corefile.ts';
import { aRecords } from './records.ts';
import { queryFor, requestFor } from './request.ts';

export class ManualClock implements CacheClock {
  ms = 1_000_000;
  wall = 1_700_000_000;
  now(): number {
    return this.ms;
  }
  wallSeconds(): number {
    return this.wall;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
    this.wall += seconds;
  }
}

/** A stand-in for the rest of the chain: counts calls and answers with whatever `answer` says. */
export class Origin {
  calls = 0;
  requests: Request[] = [];
  answer: (request: Request) => Reply | Promise<Reply>;
  readonly handler: Handler = (request) => {
    this.calls++;
    this.requests.push(request);
    return this.answer(request);
  };

  constructor(answer: (request: Request) => Reply | Promise<Reply>) {
    this.answer = answer;
  }
}

export function reply(
  qname: DomainName,
  sections: { answer?: ResourceRecord[]; authority?: ResourceRecord[]; additional?: ResourceRecord[] },
  rcode: number = RCode.NOERROR,
  flags: number = HeaderFlag.RA,
): Reply {
  return prepareReply({
    rcode,
    flags,
    qname,
    sections: { answer: sections.answer ?? [], authority: sections.authority ?? [], additional: sections.additional ?? [] },
  });
}

/** An answer with an RRSIG over it, its body built by hand (the encoder does not model RRSIG). */
export function signedAnswer(qname: string, inception: number, expiration: number): Reply {
  const base = reply(qname, { answer: aRecords(qname, 60, '192.0.2.1') });
  const signer = Buffer.from([7, ...Buffer.from('example'), 3, ...Buffer.from('org'), 0]);
  const data = Buffer.alloc(18);
  data.writeUInt16BE(RRType.A, 0);
  data[2] = 13;
  data[3] = 2;
  data.writeUInt32BE(60, 4);
  data.writeUInt32BE(expiration, 8);
  data.writeUInt32BE(inception, 12);
  const rdata = Buffer.concat([data, signer, Buffer.alloc(8, 1)]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(0xc00c, 0);
  header.writeUInt16BE(46, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt32BE(60, 6);
  header.writeUInt16BE(rdata.length, 10);
  const body = Buffer.concat([base.body, header, rdata]);
  return { ...base, body, answerCount: 2, ttlOffsets: Uint32Array.from([...base.ttlOffsets, base.body.length + 6]) };
}

export interface CacheUnderTest {
  readonly cache: Cache;
  readonly clock: ManualClock;
  readonly origin: Origin;
  readonly handler: Handler;
  /** Sends a query through the cache and decodes what the client would get. */
  ask(name: DomainName, type?: number, options?: Parameters<typeof queryFor>[2]): Promise<DecodedMessage>;
}

/** A cache configured by `cache ...` Corefile text in front of `origin`, on a manual clock. */
export function cacheUnderTest(text: string, origin: Origin, zones: readonly DomainName[] = ['']): CacheUnderTest {
  const clock = new ManualClock();
  const cache = new Cache(parseCache(directive(text)), zones, clock, silentLogger);
  const handler = cache.handler(origin.handler);
  return {
    cache,
    clock,
    origin,
    handler,
    ask: async (name, type = RRType.A, options = {}) => decode(handler, queryFor(name, type, options)),
  };
}

export async function decode(handler: Handler, query: Query): Promise<DecodedMessage> {
  const answer = await handler(requestFor(query));
  return decodeMessage(encodeResponse(query, answer, 65535));
}

/** The TTLs of every record a client got, in order. */
export function ttls(message: DecodedMessage): number[] {
  return [...message.answer, ...message.authority, ...message.additional].flatMap((r) => ('ttl' in r ? [r.ttl] : []));
}

export function addresses(message: DecodedMessage): string[] {
  return message.answer.flatMap((r) => ('address' in r ? [r.address] : []));
}
