import { hostname } from 'node:os';
import * as packet from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { parseQuery } from '../../dns/query.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Query, Reply } from '../../dns/types.ts';
import { directive } from '../../test-support/corefile.ts';
import { aRecords } from '../../test-support/records.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { hasEdnsOption } from './asked.ts';
import { NSID_OPTION, nsidHandler } from './handler.ts';
import { parseNsid } from './parse.ts';

const COOKIE_OPTION = 10;
const NAME = 'whoami.example.org';

/** A query with an OPT record carrying `codes` (empty data each), and an authority record before it when `padded`. */
function queryWith(codes: readonly number[], padded = false): Query {
  // dns-packet encodes any { code, data } option; its types list only four kinds.
  const options = codes.map((code) => ({ code, data: Buffer.alloc(code === COOKIE_OPTION ? 8 : 0) })) as unknown as packet.PacketOpt[];
  const additionals: packet.Answer[] = [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options }];
  const authorities: packet.Answer[] = padded ? [{ type: 'A', name: 'x.example.org', ttl: 1, data: '192.0.2.9' }] : [];
  const parsed = parseQuery(packet.encode({ type: 'query', id: 7, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name: NAME }], authorities, additionals }));
  if (parsed.kind !== 'query') throw new Error('test query rejected');
  return parsed.query;
}

describe('nsid parse (CoreDNS TestSetupNsid)', () => {
  it("takes DATA, its words joined by spaces, else the host's name", () => {
    expect(parseNsid(directive('nsid'))).toBe(hostname());
    expect(parseNsid(directive('nsid "ps0"'))).toBe('ps0');
    expect(parseNsid(directive('nsid "tf 2"'))).toBe('tf 2');
    expect(parseNsid(directive('nsid Use The Force'))).toBe('Use The Force');
  });

  it('names the line of a block and of DATA too long for an option', () => {
    expect(() => parseNsid(directive('nsid foo {\n    bar\n}'))).toThrow(/Corefile:2 /);
    expect(() => parseNsid(directive(`nsid ${'x'.repeat(70_000)}`))).toThrow(/Corefile:2 .*nsid: DATA longer than an EDNS option holds/);
  });
});

describe('hasEdnsOption', () => {
  it("finds an option in the query's OPT record, past records before it", () => {
    expect(hasEdnsOption(queryWith([NSID_OPTION]), NSID_OPTION)).toBe(true);
    expect(hasEdnsOption(queryWith([COOKIE_OPTION, NSID_OPTION], true), NSID_OPTION)).toBe(true);
    expect(hasEdnsOption(queryWith([COOKIE_OPTION]), NSID_OPTION)).toBe(false);
    expect(hasEdnsOption(queryWith([]), NSID_OPTION)).toBe(false);
    expect(hasEdnsOption(queryFor(NAME, RRType.A), NSID_OPTION)).toBe(false);
  });
});

describe('nsid handler (CoreDNS TestNsid)', () => {
  const answer = prepareReply({ rcode: RCode.NOERROR, flags: 0, qname: NAME, sections: { answer: aRecords(NAME, 30, '192.0.2.1'), authority: [], additional: [] } });
  const handler = nsidHandler('NSID')(() => answer);

  async function optionsOf(query: Query, reply?: Reply) {
    const chain = reply === undefined ? handler : nsidHandler('NSID')(() => Promise.resolve(reply));
    const message = decodeMessage(encodeResponse(query, await chain(requestFor(query)), 512));
    return { message, options: message.opt?.options.map((option) => [option.code, option.data.toString()]) };
  }

  it('adds NSID to the response of a query that asked for it, the answer unchanged', async () => {
    const { message, options } = await optionsOf(queryWith([COOKIE_OPTION, NSID_OPTION]));
    expect(options).toEqual([[NSID_OPTION, 'NSID']]);
    expect(message.answer).toHaveLength(1);
  });

  it('leaves other queries and their replies alone', async () => {
    const query = queryWith([COOKIE_OPTION]);
    expect(await handler(requestFor(query))).toBe(answer);
    expect((await optionsOf(query)).options).toEqual([]);
    expect(await handler(requestFor(queryFor(NAME, RRType.A)))).toBe(answer);
  });

  it('puts it after an Extended DNS Error, for answers that come later too', async () => {
    const blocked: Reply = { ...emptyReply(RCode.REFUSED), ede: 15 };
    const { options } = await optionsOf(queryWith([NSID_OPTION]), blocked);
    expect(options).toEqual([
      [15, '\u0000\u000f'],
      [NSID_OPTION, 'NSID'],
    ]);
  });

  it('copies a shared reply once and never changes it', async () => {
    const request = requestFor(queryWith([NSID_OPTION]));
    const first = await handler(request);
    expect(await handler(request)).toBe(first);
    expect(answer.ednsOptions).toBeUndefined();
  });
});
