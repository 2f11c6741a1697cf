/** Helpers for the cache plugin's tests: a clock to move by hand, an origin to answer, decoding. */
import { parseCorefile } from '../../corefile/parse.ts';
import type { Directive } from '../../corefile/types.ts';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage, type DecodedMessage } from '../../dns/message.ts';
import { prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { DomainName, Query, Reply, ResourceRecord, SOARecord } from '../../dns/types.ts';
import { silentLogger } from '../../log.ts';
import type { Handler, Request } from '../../plugin/types.ts';
import { queryFor, requestFor } from '../../../test/helpers/request.ts';
import { Cache, type CacheClock } from './handler.ts';
import { parseCache } from './parse.ts';

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

/** The first directive of a one-block Corefile, parsed for real (file `Corefile`, block on line 1). */
export function directive(text: string): Directive {
  return parseCorefile(`. {\n${text}\n}\n`, 'Corefile').blocks[0]!.directives[0]!;
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

export function aRecords(name: DomainName, ttl: number, ...addresses: string[]): ResourceRecord[] {
  return addresses.map((address) => ({ name, type: RRType.A, ttl, address }));
}

export function soa(zone: DomainName, ttl: number, minimum: number): SOARecord {
  return {
    name: zone,
    type: RRType.SOA,
    ttl,
    mname: `ns.${zone}`,
    rname: `hostmaster.${zone}`,
    serial: 1,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum,
  };
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
