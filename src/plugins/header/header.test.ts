import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Query, Reply } from '../../dns/types.ts';
import { directive, directives } from '../../test-support/corefile.ts';
import { aRecords } from '../../test-support/records.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import type { Handler } from '../../toolkit/types.ts';
import { headerHandler } from './handler.ts';
import { parseHeader } from './parse.ts';

const parse = (lines: string) => parseHeader(directive(`header {\n${lines}\n}`));

describe('header parse (CoreDNS TestSetupHeader)', () => {
  it('reads query and response rules in order, in any case', () => {
    expect(parse('    response set ra aa\n    QUERY Clear RD')).toEqual({
      query: [{ flag: 'rd', set: false }],
      response: [
        { flag: 'ra', set: true },
        { flag: 'aa', set: true },
      ],
    });
  });

  it("refuses what CoreDNS refuses, in its words, naming the line", () => {
    expect(() => parseHeader(directive('header {\n}'))).toThrow(/Corefile:2 - Error during parsing: header: Wrong argument count or unexpected line ending after 'header'/);
    expect(() => parseHeader(directive('header'))).toThrow(/Corefile:2 .*Wrong argument count/);
    expect(() => parse('    foo')).toThrow(/Corefile:3 .*header: setting up rule: invalid selector=foo should be query or response$/);
    expect(() => parse('    query')).toThrow(/Corefile:3 .*setting up rule: no flag action provided$/);
    expect(() => parse('    response set')).toThrow(/Corefile:3 .*setting up rule: invalid length for flags, at least one should be provided$/);
    expect(() => parse('    query foo')).toThrow(/invalid length for flags, at least one should be provided/);
    expect(() => parse('    query Foo rd')).toThrow(/Corefile:3 .*setting up rule: unknown flag action=foo, should be set or clear$/);
    expect(() => parse('    response set ra\n    response set cd')).toThrow(/Corefile:4 .*setting up rule: unknown\/unsupported flag=cd$/);
    expect(() => parse('    response set ad')).toThrow(/unknown\/unsupported flag=ad/);
    expect(() => parseHeader(directive('header extra {\n    query set rd\n}'))).toThrow(/Corefile:2 /);
  });

  it('parses every line of a block on its own', () => {
    const [first, second] = directives('header {\n    response set aa\n}\nheader {\n    response set cd\n}');
    expect(parseHeader(first!).response).toHaveLength(1);
    expect(() => parseHeader(second!)).toThrow(/Corefile:6 /);
  });
});

const NAME = 'example.org';
const answer = prepareReply({ rcode: RCode.NOERROR, flags: HeaderFlag.AA, qname: NAME, sections: { answer: aRecords(NAME, 30, '192.0.2.1'), authority: [], additional: [] } });

/** The header handler before a chain end that answers `reply` and remembers the query it saw. */
function around(rules: string, reply: Reply | Promise<Reply> = answer) {
  const seen: Query[] = [];
  const next: Handler = (request) => {
    seen.push(request.query);
    return reply;
  };
  return { handler: headerHandler(parse(rules))(next), seen };
}

async function respond(handler: Handler, flags: number = HeaderFlag.RD) {
  const query = queryFor(NAME, RRType.A, { recursionDesired: (flags & HeaderFlag.RD) !== 0 });
  const reply = await handler(requestFor(query));
  return { reply, message: decodeMessage(encodeResponse(query, reply, 512)) };
}

describe('header handler (CoreDNS TestHeaderResponseRules, TestHeaderQueryRules)', () => {
  it('sets and clears AA and RA in responses, the last rule about a flag deciding', async () => {
    const { message } = await respond(around('    response set ra\n    response clear aa').handler);
    expect([message.recursionAvailable, message.authoritative, message.answer.length]).toEqual([true, false, 1]);
    const last = await respond(around('    response set aa ra\n    response clear ra').handler);
    expect([last.message.authoritative, last.message.recursionAvailable]).toEqual([true, false]);
  });

  it("sets and clears RD in responses whatever the query's", async () => {
    expect((await respond(around('    response clear rd').handler)).message.recursionDesired).toBe(false);
    expect((await respond(around('    response set rd').handler, 0)).message.recursionDesired).toBe(true);
  });

  it('changes the query the rest of the chain sees, raw bytes included, and the RD answers echo', async () => {
    const { handler, seen } = around('    query clear rd\n    query set aa');
    const { message } = await respond(handler);
    const [query] = seen;
    expect([query!.recursionDesired, (query!.flags & HeaderFlag.AA) !== 0]).toEqual([false, true]);
    expect(query!.raw.readUInt16BE(2)).toBe(query!.flags);
    expect(decodeMessage(query!.raw).recursionDesired).toBe(false);
    // As CoreDNS's plugins copy RD from the query they got; AA of the query is not an answer's.
    expect([message.recursionDesired, message.authoritative]).toEqual([false, true]);
  });

  it('passes a query its rules leave as it is untouched, and a response rule about RD beats a query rule', async () => {
    const { handler, seen } = around('    query set rd\n    response clear rd');
    const request = requestFor(queryFor(NAME, RRType.A));
    await handler(request);
    expect(seen[0]).toBe(request.query);
    expect((await respond(handler, 0)).message.recursionDesired).toBe(false);
  });

  it('edits a shared reply once, never the reply itself', async () => {
    const { handler } = around('    response set ra');
    const first = (await respond(handler)).reply;
    expect((await respond(handler)).reply).toBe(first);
    expect([answer.flags, first.flags]).toEqual([HeaderFlag.AA, HeaderFlag.AA | HeaderFlag.RA]);
    expect(emptyReply(RCode.NOERROR).flags).toBe(0);
    await respond(around('    response set aa', emptyReply(RCode.NOERROR)).handler);
    expect(emptyReply(RCode.NOERROR).flags).toBe(0);
  });

  it('edits every message of a transfer and answers that come later', async () => {
    const transfer: Reply = { ...answer, followedBy: [emptyReply(RCode.NOERROR)] };
    const { reply } = await respond(around('    response set ra', Promise.resolve(transfer)).handler);
    expect([reply.flags & HeaderFlag.RA, reply.followedBy?.[0]?.flags]).toEqual([HeaderFlag.RA, HeaderFlag.RA]);
  });

  it('leaves replies alone with query rules that do not touch RD', async () => {
    const { reply } = await respond(around('    query set aa').handler);
    expect(reply).toBe(answer);
  });
});
