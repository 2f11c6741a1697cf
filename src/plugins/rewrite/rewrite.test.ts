import { describe, expect, it } from 'vitest';
import { CorefileError } from '../../corefile/types.ts';
import { HeaderFlag, RCode, RRClass, RRType } from '../../dns/constants.ts';
import { decodeMessage, type DecodedMessage } from '../../dns/message.ts';
import { parseQuery } from '../../dns/query.ts';
import { prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Query, Reply, ResourceRecord } from '../../dns/types.ts';
import { directives } from '../../test-support/corefile.ts';
import { thrownBy } from '../../test-support/errors.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { setupContext } from '../../test-support/setup-context.ts';
import type { Handler, PluginInstance, Request, SetupContext } from '../../toolkit/types.ts';
import { composeChain } from '../../server/chain.ts';
import { InvalidRewriteError } from './errors.ts';
import { createRewriteHandler } from './handler.ts';
import { rewritePlugin } from './index.ts';
import { parseRewrite } from './parse.ts';
import type { Rule } from './rules.ts';
import { RewriteState } from './state.ts';

function rules(text: string): Rule[] {
  return directives(text)
    .filter((directive) => directive.name.text === 'rewrite')
    .map(parseRewrite);
}

/** The rewrite state of a query for `name` (no trailing dot) from 192.0.2.10 over UDP. */
function stateFor(name: string, type: number = RRType.A, qclass: number = RRClass.IN): RewriteState {
  return new RewriteState(requestFor(queryFor(name, type, { class: qclass })));
}

function parseError(text: string): string {
  return thrownBy(CorefileError, () => rules(text)).message;
}

/** A next handler that answers what it is asked with the given records, compressed for its question, and notes each query. */
function answering(make: (query: Query) => { answer?: ResourceRecord[]; authority?: ResourceRecord[]; rcode?: number }) {
  const seen: Query[] = [];
  const handler: Handler = (request) => {
    seen.push(request.query);
    const { answer = [], authority = [], rcode = RCode.NOERROR } = make(request.query);
    return prepareReply({ rcode, flags: HeaderFlag.AA, qname: request.query.name, sections: { answer, authority, additional: [] } });
  };
  return { handler, seen };
}

async function ask(ruleText: string, next: Handler, name: string, type: number = RRType.A): Promise<DecodedMessage> {
  const query = queryFor(name, type);
  const handler = createRewriteHandler(rules(ruleText))(next);
  const reply = await handler(requestFor(query));
  return decodeMessage(encodeResponse(query, reply, 65535));
}

const addressFor = (query: Query) => ({ answer: [{ name: query.name, type: RRType.A, ttl: 30, address: '192.0.2.1' }] as ResourceRecord[] });

describe('rewrite parse', () => {
  it('refuses what CoreDNS refuses, with its words', () => {
    expect(parseError('rewrite')).toContain('no rule type specified for rewrite');
    expect(parseError('rewrite continue')).toContain('continue rule must begin with a rule type');
    expect(parseError('rewrite foo a b')).toContain('invalid rule type "foo"');
    expect(parseError('rewrite name a')).toContain('too few arguments for a name rule');
    expect(parseError('rewrite name fuzzy a b')).toContain('supports only exact, prefix, suffix, substring, and regex');
    expect(parseError('rewrite type A')).toContain('type rules must have exactly two arguments');
    expect(parseError('rewrite type A BOGUS')).toContain('invalid type "BOGUS"');
    expect(parseError('rewrite class IN XX')).toContain('invalid class "XX"');
    expect(parseError('rewrite answer name a b')).toContain('response rewrites must begin with a name rule');
    expect(parseError('rewrite name regex (.*)\\.a {1}.{2}.b')).toContain('uses more subexpressions');
    expect(parseError('rewrite name regex ([ b')).toContain('invalid regex matching pattern');
    expect(parseError('rewrite name regex (.*) {1} answer')).toContain('invalid arguments for regex rule');
    expect(parseError('rewrite name regex (.*) {1} foo bar')).toContain('exceeded the number of arguments');
    expect(parseError('rewrite name regex (.*) {1} answer bogus')).toContain('invalid type "bogus" for answer rule');
    expect(parseError('rewrite name regex (.*) {1} answer name x')).toContain('2 arguments required');
    expect(parseError('rewrite name regex (.*) {1} answer auto answer name a b')).toContain('cannot be combined');
    expect(parseError('rewrite name a b {\n x\n}')).toContain('takes no { } block');
  });

  it('names the line of the directive', () => {
    expect(parseError('whoami\nrewrite bogus a b')).toMatch(/^Corefile:3 - Error during parsing: rewrite: /);
  });

  it('reads a rule spread over a block as one rule, as CoreDNS does', () => {
    const [rule] = rules('rewrite stop {\n name regex (.*)-(us-west-1)\\.example\\.org {1}.service.{2}.consul\n answer name (.*)\\.service\\.(us-west-1)\\.consul {1}-{2}.example.org\n}');
    const state = stateFor('ftp-us-west-1.example.org');
    expect(rule!.apply(state)).toHaveLength(1);
    expect(state.question.name).toBe('ftp.service.us-west-1.consul.');
  });
});

describe('rewrite rules on the question', () => {
  function rewritten(text: string, name: string): string | null {
    const state = stateFor(name.slice(0, -1));
    return rules(text)[0]!.apply(state) === null ? null : state.question.name;
  }

  it('matches exact names, case-insensitively through normalization', () => {
    expect(rewritten('rewrite name Example.NET example.org', 'example.net.')).toBe('example.org.');
    expect(rewritten('rewrite name exact example.net example.org', 'www.example.net.')).toBeNull();
  });

  it('matches a prefix as CoreDNS normalizes it: a whole first label, since a dot is added', () => {
    expect(rewritten('rewrite name prefix foo bar', 'foo.example.org.')).toBe('bar.example.org.');
    expect(rewritten('rewrite name prefix foo bar', 'foobar.example.org.')).toBeNull();
  });

  it('replaces suffixes, substrings and regex matches', () => {
    expect(rewritten('rewrite name suffix .schmoogle.com. .google.com.', 'www.schmoogle.com.')).toBe('www.google.com.');
    expect(rewritten('rewrite name substring us-west-1.example.org us-west-1.consul', 'ftp.us-west-1.example.org.')).toBe(
      'ftp.us-west-1.consul.',
    );
    expect(rewritten('rewrite name regex (.*)-(us-west-1)\\.example\\.org {1}.service.{2}.consul', 'ftp-us-west-1.example.org.')).toBe(
      'ftp.service.us-west-1.consul.',
    );
    expect(rewritten('rewrite name regex ^(?P<host>[a-z]+)\\.old\\.$ {1}.new', 'www.old.')).toBe('www.new.');
  });

  it('changes type and class only when they match', () => {
    const [typeRule] = rules('rewrite type ANY HINFO');
    const any = stateFor('a', RRType.ANY);
    expect(typeRule!.apply(any)).toEqual([]);
    expect(any.question.type).toBe(RRType.HINFO);
    expect(typeRule!.apply(stateFor('a'))).toBeNull();
    const [classRule] = rules('rewrite class CH IN');
    const chaos = stateFor('a', RRType.TXT, RRClass.CH);
    expect(classRule!.apply(chaos)).toEqual([]);
    expect(chaos.question.class).toBe(RRClass.IN);
  });
});

describe('rewrite handler', () => {
  it('hands the rest of the chain a query whose raw bytes ask the rewritten name', async () => {
    const next = answering(addressFor);
    await ask('rewrite name exact a.example.org b.example.net', next.handler, 'a.example.org');
    const seen = next.seen[0]!;
    expect(seen.name).toBe('b.example.net');
    const reparsed = parseQuery(seen.raw);
    expect(reparsed.kind === 'query' && reparsed.query).toMatchObject({ name: 'b.example.net', type: RRType.A, questionEnd: seen.questionEnd });
  });

  it('keeps the client question and, for exact rules, maps answer names back', async () => {
    const next = answering(addressFor);
    const message = await ask('rewrite name exact a.example.org a-much-longer-name.example.net', next.handler, 'A.Example.org');
    expect(message.questions[0]!.name).toBe('a.example.org');
    expect(message.answer).toMatchObject([{ name: 'a.example.org', type: RRType.A, address: '192.0.2.1' }]);
  });

  it('leaves answer names rewritten for a regex rule without answer options', async () => {
    const next = answering(addressFor);
    const message = await ask('rewrite name regex (.*)-(us-west-1)\\.example\\.org {1}.service.{2}.consul', next.handler, 'ftp-us-west-1.example.org');
    expect(message.questions[0]!.name).toBe('ftp-us-west-1.example.org');
    expect(message.answer.map((r) => r.name)).toEqual(['ftp.service.us-west-1.consul']);
  });

  it('applies answer name and value rules, and auto on suffix rules swaps the suffix back in targets', async () => {
    const named = await ask(
      'rewrite name regex (.*)-(us-west-1)\\.example\\.org {1}.service.{2}.consul answer name (.*)\\.service\\.(us-west-1)\\.consul {1}-{2}.example.org',
      answering(addressFor).handler,
      'ftp-us-west-1.example.org',
    );
    expect(named.answer.map((r) => r.name)).toEqual(['ftp-us-west-1.example.org']);

    const viaCname = (query: Query) => ({
      answer: [
        { name: query.name, type: RRType.CNAME, ttl: 30, target: 'edge.service.consul' },
        { name: 'edge.service.consul', type: RRType.A, ttl: 30, address: '192.0.2.9' },
      ] as ResourceRecord[],
    });
    const suffixed = await ask('rewrite name suffix .example.org .service.consul answer auto', answering(viaCname).handler, 'www.example.org');
    expect(suffixed.answer.map((r) => [r.name, 'target' in r ? r.target : 'address' in r ? r.address : ''])).toEqual([
      ['www.example.org', 'edge.example.org'],
      ['edge.example.org', '192.0.2.9'],
    ]);
  });

  it('maps SRV, MX, PTR and SOA values with answer value', async () => {
    const next = answering((query) => ({
      answer: [
        { name: query.name, type: RRType.SRV, ttl: 5, priority: 0, weight: 0, port: 80, target: 'web.service.consul' },
        { name: query.name, type: RRType.MX, ttl: 5, preference: 10, exchange: 'mail.service.consul' },
        { name: query.name, type: RRType.PTR, ttl: 5, target: 'host.service.consul' },
      ],
      authority: [
        { name: 'service.consul', type: RRType.SOA, ttl: 5, mname: 'ns.service.consul', rname: 'h.service.consul', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 },
      ],
    }));
    const message = await ask('rewrite name exact q.example.org q.service.consul answer value (.*)\\.service\\.consul\\. {1}.example.org', next.handler, 'q.example.org', RRType.SRV);
    expect(message.answer.map((r) => ('target' in r ? r.target : 'exchange' in r ? r.exchange : ''))).toEqual([
      'web.example.org',
      'mail.example.org',
      'host.example.org',
    ]);
    expect(message.authority[0]).toMatchObject({ name: 'service.consul', mname: 'ns.example.org', rname: 'h.service.consul' });
  });

  it('restores the asked type and class: the client sees its question, the records of the rewritten one', async () => {
    const next = answering((query) => ({ answer: [{ name: query.name, type: RRType.HINFO, ttl: 5, cpu: 'x', os: 'y' }] }));
    const message = await ask('rewrite type ANY HINFO', next.handler, 'host.example.org', RRType.ANY);
    expect(next.seen[0]).toMatchObject({ name: 'host.example.org', type: RRType.HINFO });
    expect(message.questions[0]).toMatchObject({ name: 'host.example.org', type: RRType.ANY });
    expect(message.answer).toMatchObject([{ type: RRType.HINFO, cpu: 'x' }]);
  });

  it('passes queries no rule matches on untouched, and the same Reply back', async () => {
    const next = answering(addressFor);
    const query = queryFor('other.example.org', RRType.A);
    const request = requestFor(query);
    const reply = await createRewriteHandler(rules('rewrite name exact a.example.org b.example.org'))(next.handler)(request);
    expect(next.seen[0]).toBe(query);
    expect(decodeMessage(encodeResponse(query, reply, 512)).answer).toMatchObject([{ name: 'other.example.org' }]);
  });

  it('goes on after continue rules and stops at the first stop rule that matches', async () => {
    const next = answering(addressFor);
    const text = 'rewrite continue name prefix a b\nrewrite name suffix .one.org. .two.org.\nrewrite name suffix .two.org. .three.org.';
    await ask(text, next.handler, 'a.x.one.org');
    expect(next.seen[0]!.name).toBe('b.x.two.org');
  });

  it('fails the query when the rewritten name is not a domain name', () => {
    const next = answering(addressFor);
    const handler = createRewriteHandler(rules(`rewrite name regex (.*) ${'x'.repeat(70)}.{1}`))(next.handler);
    expect(() => handler(requestFor(queryFor('a.org', RRType.A)))).toThrow(InvalidRewriteError);
    expect(next.seen).toHaveLength(0);
  });

  it('waits for a handler that answers later', async () => {
    const next: Handler = (request) =>
      new Promise<Reply>((resolve) =>
        setImmediate(() => resolve(prepareReply({ rcode: 0, flags: 0, qname: request.query.name, sections: { answer: addressFor(request.query).answer, authority: [], additional: [] } }))),
      );
    const message = await ask('rewrite name exact a.org bb.org', next, 'a.org');
    expect(message.answer).toMatchObject([{ name: 'a.org' }]);
  });

  it('copies records of types the codec does not model as they came', async () => {
    const raw = { name: 'b.org', type: 99, class: RRClass.IN, ttl: 7, data: Buffer.from([3, 0x61, 0x62, 0x63]) };
    const next: Handler = (request) =>
      prepareReply({ rcode: 0, flags: 0, qname: request.query.name, sections: { answer: [raw], authority: [], additional: [] } });
    const message = await ask('rewrite name exact a.org b.org', next, 'a.org', 99);
    expect(message.answer).toMatchObject([{ name: 'a.org', type: 99, ttl: 7, data: raw.data }]);
  });
});

describe('rewrite plugin', () => {
  function context(): SetupContext {
    return setupContext();
  }

  it('gathers every rewrite line of a block into one rule list, so stop on any line ends it', async () => {
    const shared = context();
    const instances: PluginInstance[] = [];
    for (const directive of directives('rewrite name suffix .a.org. .b.org.\nrewrite name suffix .b.org. .c.org.')) {
      instances.push(await rewritePlugin.setup(rewritePlugin.parse(directive), shared));
    }
    expect(instances[1]!.handler).toBeUndefined();
    const next = answering(addressFor);
    const chain = composeChain([{ plugin: 'rewrite', factory: instances[0]!.handler! }, { plugin: 'next', factory: () => next.handler }]);
    await chain(requestFor(queryFor('x.a.org', RRType.A)) as Request);
    expect(next.seen[0]!.name).toBe('x.b.org');
  });
});
