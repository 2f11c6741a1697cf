import { describe, expect, it } from 'vitest';
import { CorefileError } from '../../corefile/types.ts';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { queryEdnsOptions } from '../../dns/edns-options.ts';
import { decodeMessage, type DecodedMessage } from '../../dns/message.ts';
import { prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Query, Reply, ResourceRecord } from '../../dns/types.ts';
import { directives } from '../../test-support/corefile.ts';
import { thrownBy } from '../../test-support/errors.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import type { Handler } from '../../toolkit/types.ts';
import { InvalidRewriteError } from './errors.ts';
import { createRewriteHandler } from './handler.ts';
import { parseRewrite } from './parse.ts';

const rewriteLines = (text: string) => directives(text).filter((directive) => directive.name.text === 'rewrite');

function parseError(text: string): string {
  return thrownBy(CorefileError, () => rewriteLines(text).map(parseRewrite)).message;
}

const cname = (name: string, target: string, ttl = 200): ResourceRecord => ({ name, type: RRType.CNAME, ttl, target });
const a = (name: string, address: string, ttl = 300): ResourceRecord => ({ name, type: RRType.A, ttl, address });

function reply(name: string, answer: ResourceRecord[], flags: number = HeaderFlag.AA): Reply {
  return prepareReply({ rcode: RCode.NOERROR, flags, qname: name, sections: { answer, authority: [], additional: [] } });
}

/**
 * The rest of the chain: my-app.com is a CNAME chain into cdn.example.net (CoreDNS's README
 * example); the names under other.cdn.com answer A 30.3.1.2. Every query it gets is noted.
 */
function cdn(answers: Record<string, (query: Query) => Reply> = {}) {
  const seen: Query[] = [];
  const handler: Handler = (request) => {
    const { query } = request;
    seen.push(query);
    const special = answers[query.name];
    if (special) return special(query);
    if (query.name.endsWith('other.cdn.com')) return reply(query.name, [a(query.name, '30.3.1.2', 100)]);
    return reply(query.name, [
      cname(query.name, 'my-app.example'),
      cname('my-app.example', 'my-app.com.cdn.example.net'),
      a('my-app.com.cdn.example.net', '20.2.0.1'),
      a('my-app.com.cdn.example.net', '20.2.0.2'),
    ]);
  };
  return { handler, seen };
}

async function ask(text: string, next: Handler, name = 'my-app.com', query: Query = queryFor(name, RRType.A)): Promise<DecodedMessage> {
  const reply = await createRewriteHandler(rewriteLines(text).map(parseRewrite))(next)(requestFor(query));
  return decodeMessage(encodeResponse(query, reply, 65535));
}

const shown = (message: DecodedMessage) =>
  message.answer.map((record) => `${record.name} ${'ttl' in record ? record.ttl : ''} ${'target' in record ? `CNAME ${record.target}` : 'address' in record ? `A ${record.address}` : record.type}`);

describe('rewrite cname', () => {
  it('refuses what CoreDNS refuses, with its words', () => {
    expect(parseError('rewrite cname a.example')).toContain('too few (1) arguments for a cname rule');
    expect(parseError('rewrite cname exact a b c')).toContain('too few (4) arguments for a cname rule');
    expect(parseError('rewrite cname fuzzy a b')).toContain('unknown cname rewrite type: fuzzy');
    expect(parseError('rewrite cname regex ([ b')).toContain('invalid cname rewrite regex pattern: ([');
    expect(parseError(`rewrite cname regex ${'a'.repeat(10001)} b`)).toContain('regex pattern too long in a cname rule');
  });

  it("retargets the CNAME, keeps the chain before it and replaces what follows with the new target's answer (CoreDNS's README)", async () => {
    const next = cdn();
    const message = await ask('rewrite cname regex (.*).cdn.example.net. {1}.other.cdn.com.', next.handler);
    expect(shown(message)).toEqual([
      'my-app.com 200 CNAME my-app.example',
      'my-app.example 200 CNAME my-app.com.other.cdn.com',
      'my-app.com.other.cdn.com 100 A 30.3.1.2',
    ]);
    expect(next.seen.map((query) => [query.name, query.type, query.class])).toEqual([
      ['my-app.com', RRType.A, 1],
      ['my-app.com.other.cdn.com', RRType.A, 1],
    ]);
    expect(message.questions[0]!.name).toBe('my-app.com');
  });

  it('matches exact targets (normalized) and suffixes, prefixes and substrings as written', async () => {
    for (const rule of [
      'exact my-app.com.cdn.example.net x.other.cdn.com',
      'suffix cdn.example.net. other.cdn.com.',
      'prefix my-app.com.cdn.example.net x.other.cdn.com',
      'substring cdn.example.net other.cdn.com',
    ]) {
      const message = await ask(`rewrite cname ${rule}`, cdn().handler);
      expect(message.answer[1], rule).toMatchObject({ type: RRType.CNAME, target: expect.stringMatching(/\.other\.cdn\.com$/) });
      expect(shown(message).slice(2), rule).toEqual([`${(message.answer[1] as { target: string }).target} 100 A 30.3.1.2`]);
    }
    // Without the dot CoreDNS adds only to exact rules, a suffix rule misses the target's trailing dot.
    expect(shown(await ask('rewrite cname suffix cdn.example.net other.cdn.com', cdn().handler))).toHaveLength(4);
  });

  it('leaves a reply without a matching CNAME as it was', async () => {
    const next = cdn();
    expect(shown(await ask('rewrite cname exact nothing.example other.cdn.com', next.handler))).toHaveLength(4);
    expect(next.seen).toHaveLength(1);
  });

  it('keeps only CNAMEs before the one it retargets, as CoreDNS rebuilds the answer', async () => {
    const next = cdn({
      'mixed.example': (query) => reply(query.name, [a('stray.example', '192.0.2.7'), cname(query.name, 'app.cdn.example.net'), a('app.cdn.example.net', '20.2.0.1')]),
    });
    const message = await ask('rewrite cname suffix cdn.example.net. other.cdn.com.', next.handler, 'mixed.example');
    expect(shown(message)).toEqual(['mixed.example 200 CNAME app.other.cdn.com', 'app.other.cdn.com 100 A 30.3.1.2']);
  });

  it("retargets even when the new target's lookup fails, with nothing after the CNAME; takes its TC bit", async () => {
    const failing = cdn({
      'my-app.com.other.cdn.com': () => {
        throw new Error('upstream gone');
      },
    });
    expect(shown(await ask('rewrite cname suffix cdn.example.net. other.cdn.com.', failing.handler))).toEqual([
      'my-app.com 200 CNAME my-app.example',
      'my-app.example 200 CNAME my-app.com.other.cdn.com',
    ]);
    const truncated = cdn({ 'my-app.com.other.cdn.com': (query) => reply(query.name, [a(query.name, '30.3.1.2')], HeaderFlag.TC) });
    expect((await ask('rewrite cname suffix cdn.example.net. other.cdn.com.', truncated.handler)).truncated).toBe(true);
  });

  it('waits for a rest of the chain that answers later, for the query and for the lookup', async () => {
    const sync = cdn();
    const later: Handler = (request) => new Promise((resolve) => setImmediate(() => resolve(sync.handler(request))));
    const message = await ask('rewrite cname suffix cdn.example.net. other.cdn.com.', later);
    expect(shown(message).at(-1)).toBe('my-app.com.other.cdn.com 100 A 30.3.1.2');
  });

  it("asks the new target with the rewritten query's type and EDNS options", async () => {
    const next = cdn();
    const text = 'rewrite continue type AAAA A\nrewrite continue edns0 local set 0xffee abcd\nrewrite cname suffix cdn.example.net. other.cdn.com.';
    await ask(text, next.handler, 'my-app.com', queryFor('my-app.com', RRType.AAAA));
    const lookup = next.seen[1]!;
    expect([lookup.name, lookup.type]).toEqual(['my-app.com.other.cdn.com', RRType.A]);
    expect(queryEdnsOptions(lookup)).toEqual([{ code: 0xffee, data: Buffer.from('abcd') }]);
  });

  it('matches every query, so with stop it ends the rules', async () => {
    const next = cdn();
    await ask('rewrite cname exact nothing.example other.cdn.com\nrewrite name my-app.com web.example', next.handler);
    expect(next.seen[0]!.name).toBe('my-app.com');
  });

  it('fails the query when the new target is not a domain name', async () => {
    const handler = createRewriteHandler(rewriteLines(`rewrite cname regex (.*) ${'x'.repeat(64)}.{1}`).map(parseRewrite))(cdn().handler);
    expect(() => handler(requestFor(queryFor('my-app.com', RRType.A)))).toThrow(InvalidRewriteError);
  });
});
