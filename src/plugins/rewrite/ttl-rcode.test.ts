import { describe, expect, it } from 'vitest';
import { CorefileError } from '../../corefile/types.ts';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage, type DecodedMessage } from '../../dns/message.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Reply, ResourceRecord } from '../../dns/types.ts';
import { directives } from '../../test-support/corefile.ts';
import { thrownBy } from '../../test-support/errors.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { PluginError } from '../../toolkit/errors.ts';
import type { Handler } from '../../toolkit/types.ts';
import { createRewriteHandler } from './handler.ts';
import { parseRewrite } from './parse.ts';
import { parseRcode } from './rcode.ts';
import { parseTtlRange } from './ttl.ts';

const rewriteLines = (text: string) => directives(text).filter((directive) => directive.name.text === 'rewrite');

function handlerOf(text: string, next: Handler): Handler {
  return createRewriteHandler(rewriteLines(text).map(parseRewrite))(next);
}

function parseError(text: string): string {
  return thrownBy(CorefileError, () => rewriteLines(text).map(parseRewrite)).message;
}

/** A shared reply as a memoizing plugin keeps it: an answer chain (CNAME then A), an NS in authority, an A in additional. */
function chainReply(name: string, rcode: number = RCode.NOERROR): Reply {
  const records = (ttls: number[]): ResourceRecord[] => [
    { name, type: RRType.CNAME, ttl: ttls[0]!, target: 'edge.example.net' },
    { name: 'edge.example.net', type: RRType.A, ttl: ttls[1]!, address: '192.0.2.1' },
  ];
  return prepareReply({
    rcode,
    flags: HeaderFlag.AA,
    qname: name,
    sections: {
      answer: records([300, 5]),
      authority: [{ name: 'example.org', type: RRType.NS, ttl: 86400, target: 'ns.example.org' }],
      additional: [{ name: 'ns.example.org', type: RRType.A, ttl: 100, address: '192.0.2.53' }],
    },
  });
}

/** Asks `name` through the rules with `next` and decodes the response the client would get. */
async function ask(text: string, next: Handler, name = 'www.example.org'): Promise<DecodedMessage> {
  const query = queryFor(name, RRType.A);
  return decodeMessage(encodeResponse(query, await handlerOf(text, next)(requestFor(query)), 65535));
}

const ttls = (message: DecodedMessage) => [...message.answer, ...message.authority, ...message.additional].map((record) => ('ttl' in record ? record.ttl : -1));

describe('rewrite ttl', () => {
  it('refuses what CoreDNS refuses, with its words', () => {
    expect(parseError('rewrite ttl example.org')).toContain('too few (1) arguments for a ttl rule');
    expect(parseError('rewrite ttl example.org abc')).toContain("invalid TTL 'abc' for a ttl rule");
    expect(parseError('rewrite ttl example.org -')).toContain("invalid TTL '-' for a ttl rule");
    expect(parseError('rewrite ttl example.org 30-10')).toContain("invalid TTL '30-10' for a ttl rule");
    expect(parseError('rewrite ttl exact example.org 30 extra')).toContain("invalid TTL '' for a ttl rule");
    expect(parseError('rewrite ttl fuzzy example.org 30')).toContain('ttl rule supports only exact, prefix, suffix, substring, and regex name matching');
    expect(parseError('rewrite ttl regex ([ 30')).toContain('invalid regex pattern in a ttl rule: ([');
    expect(parseError(`rewrite ttl regex ${'a'.repeat(10001)} 30`)).toContain('regex pattern too long in a ttl rule: 10001 > 10000');
    expect(parseError('whoami\nrewrite ttl example.org x')).toMatch(/^Corefile:3 - Error during parsing: rewrite: invalid TTL/);
  });

  it('reads a TTL, a range, or a range open on one side, as CoreDNS', () => {
    expect(parseTtlRange('30')).toEqual({ min: 30, max: 30 });
    expect(parseTtlRange('30-300')).toEqual({ min: 30, max: 300 });
    expect(parseTtlRange('-30')).toEqual({ min: 0, max: 30 });
    expect(parseTtlRange('30-')).toEqual({ min: 30, max: 2147483647 });
    expect(parseTtlRange('4294967295')).toEqual({ min: 4294967295, max: 4294967295 });
    for (const bad of ['4294967296', '1-2-3', '+5', '', '3 0']) expect(parseTtlRange(bad), bad).toBeNull();
  });

  it('sets the TTL of every record of every section when the question name matches', async () => {
    const message = await ask('rewrite ttl www.example.org 15', () => chainReply('www.example.org'));
    expect(ttls(message)).toEqual([15, 15, 15, 15]);
    expect(message.answer.map((record) => record.name)).toEqual(['www.example.org', 'edge.example.net']);
  });

  it('clamps into a range, leaving TTLs inside it alone', async () => {
    expect(ttls(await ask('rewrite ttl www.example.org 10-1000', () => chainReply('www.example.org')))).toEqual([300, 10, 1000, 100]);
    expect(ttls(await ask('rewrite ttl www.example.org 60-', () => chainReply('www.example.org')))).toEqual([300, 60, 86400, 100]);
    expect(ttls(await ask('rewrite ttl www.example.org -60', () => chainReply('www.example.org')))).toEqual([60, 5, 60, 60]);
  });

  it('matches the question name by prefix, suffix, substring and regex', async () => {
    for (const rule of ['prefix www', 'suffix .example.org', 'substring w.example', 'regex ^www\\.example\\.org\\.$']) {
      expect(ttls(await ask(`rewrite ttl ${rule} 7`, () => chainReply('www.example.org'))), rule).toEqual([7, 7, 7, 7]);
    }
    expect(ttls(await ask('rewrite ttl suffix .example.com 7', () => chainReply('www.example.org')))).toEqual([300, 5, 86400, 100]);
  });

  it('patches a shared reply once, into a copy: the reply itself is left as it was', async () => {
    const shared = chainReply('www.example.org');
    const before = Buffer.from(shared.body);
    const handler = handlerOf('rewrite ttl www.example.org 30-60', () => shared);
    const first = await handler(requestFor(queryFor('www.example.org', RRType.A)));
    const second = await handler(requestFor(queryFor('WWW.example.org', RRType.A)));
    expect(second).toBe(first);
    expect(first).not.toBe(shared);
    expect(shared.body.equals(before)).toBe(true);
    expect(first.minTtl).toBe(30);
    const unmatched = await handler(requestFor(queryFor('other.example.org', RRType.A)));
    expect(unmatched).toBe(shared);
  });

  it('applies the rules matched last first on each record, as CoreDNS reverts them', async () => {
    const text = 'rewrite continue ttl www.example.org 10-20\nrewrite ttl www.example.org 50';
    expect(ttls(await ask(text, () => chainReply('www.example.org')))).toEqual([20, 20, 20, 20]);
  });

  it('matches the question as earlier continue rules rewrote it, and goes with the name mapped back', async () => {
    const text = 'rewrite continue name exact www.example.org web.example.org\nrewrite ttl web.example.org 9';
    const message = await ask(text, (request) => chainReply(request.query.name));
    expect(message.answer.map((record) => [record.name, 'ttl' in record ? record.ttl : -1])).toEqual([
      ['www.example.org', 9],
      ['edge.example.net', 9],
    ]);
  });

  it('ends the rules when it matches with stop (the default), and lets them go on with continue', async () => {
    const seen: string[] = [];
    const next: Handler = (request) => {
      seen.push(request.query.name);
      return chainReply(request.query.name);
    };
    await ask('rewrite ttl www.example.org 9\nrewrite name www.example.org web.example.org', next);
    await ask('rewrite continue ttl www.example.org 9\nrewrite name www.example.org web.example.org', next);
    expect(seen).toEqual(['www.example.org', 'web.example.org']);
  });
});

describe('rewrite rcode', () => {
  it('refuses what CoreDNS refuses, with its words', () => {
    expect(parseError('rewrite rcode example.org SERVFAIL')).toContain('too few (2) arguments for a rcode rule');
    expect(parseError('rewrite rcode example.org BOGUS NXDOMAIN')).toContain("invalid matching RCODE 'BOGUS' for a rcode rule");
    expect(parseError('rewrite rcode example.org SERVFAIL 24')).toContain("invalid replacement RCODE '24' for a rcode rule");
    expect(parseError('rewrite rcode exact example.org 2 3 4')).toContain("invalid matching RCODE '' for a rcode rule");
    expect(parseError('rewrite rcode fuzzy example.org 2 3')).toContain('rcode rule supports only exact, prefix, suffix, substring, and regex name matching');
    expect(parseError('rewrite rcode regex ([ 2 3')).toContain('invalid regex pattern in a rcode rule: ([');
  });

  it('reads RCODEs as numbers up to 23 or as miekg/dns names them', () => {
    expect(['0', '2', 'servfail', 'NXDOMAIN', 'NOTIMPL', 'BADSIG', 'BADCOOKIE', '23'].map(parseRcode)).toEqual([0, 2, 2, 3, 4, 16, 23, 23]);
    expect(['24', 'BADVERS', 'NOPE', '-1'].map(parseRcode)).toEqual([null, null, null, null]);
  });

  it('changes the RCODE FROM of a matching name to TO, records and all, and no other', async () => {
    expect((await ask('rewrite rcode www.example.org SERVFAIL NXDOMAIN', () => emptyReply(RCode.SERVFAIL))).rcode).toBe(RCode.NXDOMAIN);
    const withRecords = await ask('rewrite rcode www.example.org 3 0', () => chainReply('www.example.org', RCode.NXDOMAIN));
    expect([withRecords.rcode, withRecords.answer.length]).toEqual([RCode.NOERROR, 2]);
    expect((await ask('rewrite rcode www.example.org SERVFAIL NXDOMAIN', () => emptyReply(RCode.REFUSED))).rcode).toBe(RCode.REFUSED);
    expect((await ask('rewrite rcode other.example.org SERVFAIL NXDOMAIN', () => emptyReply(RCode.SERVFAIL))).rcode).toBe(RCode.SERVFAIL);
  });

  it('answers a failure of the rest of the chain with the rewritten RCODE, handing the error on to errors', async () => {
    const cause = new PluginError('forward', RCode.SERVFAIL, 'no healthy upstreams');
    const handler = handlerOf('rewrite rcode www.example.org SERVFAIL NXDOMAIN', () => {
      throw cause;
    });
    const thrown = thrownBy(PluginError, () => handler(requestFor(queryFor('www.example.org', RRType.A))));
    expect([thrown.rcode, thrown.plugin, thrown.message, thrown.cause]).toEqual([RCode.NXDOMAIN, 'forward', 'no healthy upstreams', cause]);
    const later = handlerOf('rewrite rcode www.example.org SERVFAIL NXDOMAIN', () => Promise.reject(new Error('boom')));
    await expect(later(requestFor(queryFor('www.example.org', RRType.A)))).rejects.toMatchObject({ rcode: RCode.NXDOMAIN, message: 'boom' });
    const untouched = handlerOf('rewrite rcode www.example.org REFUSED NXDOMAIN', () => {
      throw cause;
    });
    expect(() => untouched(requestFor(queryFor('www.example.org', RRType.A)))).toThrow(cause);
  });

  it('applies each rule once per record (once for a reply without any), as CoreDNS does', async () => {
    const text = 'rewrite continue rcode www.example.org SERVFAIL NXDOMAIN\nrewrite rcode www.example.org NXDOMAIN NOERROR';
    expect((await ask(text, () => emptyReply(RCode.SERVFAIL))).rcode).toBe(RCode.NXDOMAIN);
    expect((await ask(text, () => chainReply('www.example.org', RCode.SERVFAIL))).rcode).toBe(RCode.NOERROR);
  });

  it('works beside ttl and name rules with continue', async () => {
    const text = 'rewrite continue ttl www.example.org 9\nrewrite continue rcode www.example.org NXDOMAIN NOERROR\nrewrite name www.example.org web.example.org';
    const message = await ask(text, (request) => chainReply(request.query.name, RCode.NXDOMAIN));
    expect([message.rcode, message.answer[0]!.name, ttls(message)]).toEqual([RCode.NOERROR, 'www.example.org', [9, 9, 9, 9]]);
  });
});
