import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { CorefileError } from '../../corefile/types.ts';
import { RRType } from '../../dns/constants.ts';
import { queryEdnsOptions } from '../../dns/edns-options.ts';
import { decodeMessage, type EdnsOption } from '../../dns/message.ts';
import { parseQuery } from '../../dns/query.ts';
import { prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Query } from '../../dns/types.ts';
import { directives } from '../../test-support/corefile.ts';
import { thrownBy } from '../../test-support/errors.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { createRewriteHandler } from './handler.ts';
import { parseRewrite } from './parse.ts';

const rewriteLines = (text: string) => directives(text).filter((directive) => directive.name.text === 'rewrite');

function handlerOf(text: string, next: Handler): Handler {
  return createRewriteHandler(rewriteLines(text).map(parseRewrite))(next);
}

function parseError(text: string): string {
  return thrownBy(CorefileError, () => rewriteLines(text).map(parseRewrite)).message;
}

/** A query for `name` with an OPT record holding `options`, built by dns-packet and parsed as the server does. */
function queryWith(name: string, options: EdnsOption[]): Query {
  const wire = dnsPacket.encode({
    type: 'query',
    id: 1,
    questions: [{ name, type: 'A', class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, options } as dnsPacket.Answer],
  });
  const parsed = parseQuery(wire);
  if (parsed.kind !== 'query') throw new Error('not a query');
  return parsed.query;
}

interface Seen {
  /** The query the rest of the chain got, its options read back from its raw bytes (null: no OPT record). */
  readonly query: Query;
  readonly options: { code: number; data: number[] }[] | null;
}

/** Runs the rules over one request and returns what the rest of the chain saw, or null when it was not asked. */
async function seenBy(text: string, request: Request): Promise<Seen> {
  let seen: Query | null = null;
  const next: Handler = (onward) => {
    seen = onward.query;
    return prepareReply({ rcode: 0, flags: 0, qname: onward.query.name, sections: { answer: [], authority: [], additional: [] } });
  };
  await handlerOf(text, next)(request);
  const query = seen as unknown as Query;
  const reparsed = parseQuery(query.raw);
  if (reparsed.kind !== 'query') throw new Error('the rewritten query does not parse');
  return { query, options: queryEdnsOptions(reparsed.query)?.map((option) => ({ code: option.code, data: [...option.data] })) ?? null };
}

const bytes = (text: string): number[] => [...Buffer.from(text)];
const plain = (name = 'www.example.org', overrides: Partial<Request> = {}): Request => requestFor(queryFor(name, RRType.A), overrides);
const withOptions = (options: EdnsOption[], overrides: Partial<Request> = {}): Request => requestFor(queryWith('www.example.org', options), overrides);

describe('rewrite edns0 parse', () => {
  it('refuses what CoreDNS refuses, with its words', () => {
    expect(parseError('rewrite edns0 local')).toContain('too few arguments for an EDNS0 rule');
    expect(parseError('rewrite edns0 local frob 0xffee x')).toContain('invalid action: "frob"');
    expect(parseError('rewrite edns0 local set 0xffee')).toContain('EDNS0 local rules require three or four args');
    expect(parseError('rewrite edns0 local set 0xffee abcd extra')).toContain('EDNS0 local rules require three or four args');
    expect(parseError('rewrite edns0 local set zz abcd')).toContain('strconv.ParseUint: parsing "zz": invalid syntax');
    expect(parseError('rewrite edns0 local set 0x10000 abcd')).toContain('strconv.ParseUint: parsing "0x10000": value out of range');
    expect(parseError('rewrite edns0 local set 0xff__ee abcd')).toContain('invalid syntax');
    expect(parseError('rewrite edns0 local set 0xffee 0xabc')).toContain('encoding/hex: odd length hex string');
    expect(parseError('rewrite edns0 local set 0xffee 0xzz')).toContain("encoding/hex: invalid byte: U+007A 'z'");
    expect(parseError('rewrite edns0 local set 0xffee {bogus}')).toContain('unsupported variable name "{bogus}"');
    expect(parseError('rewrite edns0 nsid set extra')).toContain('EDNS0 NSID rules can accept no more than one arg');
    expect(parseError('rewrite edns0 subnet set 24')).toContain('EDNS0 subnet rules require three or four args');
    expect(parseError('rewrite edns0 subnet set 33 56')).toContain('invalid IPv4 bit mask length 33');
    expect(parseError('rewrite edns0 subnet set 24 129')).toContain('invalid IPv6 bit mask length 129');
    expect(parseError('rewrite edns0 cookie set x')).toContain('invalid rule type "cookie"');
    expect(parseError('rewrite edns0 local unset')).toContain('local unset action requires exactly two arguments');
    expect(parseError('rewrite edns0 local unset 0xffee revert')).toContain('local unset action requires exactly two arguments');
    expect(parseError('rewrite edns0 nsid unset x')).toContain('nsid unset action requires exactly one argument');
    expect(parseError('rewrite edns0 subnet unset 24')).toContain('subnet unset action requires exactly one argument');
  });

  it('names the line of the directive', () => {
    expect(parseError('whoami\n\nrewrite edns0 subnet set 24 200')).toMatch(/^Corefile:4 - Error during parsing: rewrite: invalid IPv6 bit mask length 200/);
  });

  it('reads codes as Go does (hex, octal, binary, underscores) and takes revert and metadata labels', () => {
    for (const text of [
      'rewrite edns0 local set 0xff_ee abcd',
      'rewrite edns0 local set 0o177 abcd',
      'rewrite edns0 local set 0b1010 abcd',
      'rewrite edns0 local set 65 abcd revert',
      'rewrite edns0 local set 0xffee {some-plugin/some-label}',
      'rewrite edns0 nsid set revert',
      'rewrite continue edns0 subnet append 0x18 56',
    ]) {
      expect(() => directives(text).map(parseRewrite), text).not.toThrow();
    }
  });
});

describe('rewrite edns0 local', () => {
  it('adds the option, with an OPT record (4096, DO clear) when the query had none', async () => {
    const seen = await seenBy('rewrite edns0 local set 0xffee abcd', plain());
    expect(seen.options).toEqual([{ code: 0xffee, data: bytes('abcd') }]);
    expect(seen.query.edns).toEqual({ udpSize: 4096, version: 0, dnssecOk: false });
  });

  it('reads 0x data as hex: the same option as its text', async () => {
    const hex = await seenBy('rewrite edns0 local set 0xffee 0x61626364', plain());
    expect(hex.options).toEqual([{ code: 0xffee, data: bytes('abcd') }]);
  });

  it('set and replace change the first option of the code, keeping the others in place', async () => {
    const options = [
      { code: 10, data: Buffer.alloc(8, 7) },
      { code: 0xffee, data: Buffer.from('old') },
      { code: 0xffee, data: Buffer.from('second') },
    ];
    for (const action of ['set', 'replace']) {
      const seen = await seenBy(`rewrite edns0 local ${action} 0xffee new`, withOptions(options));
      expect(seen.options).toEqual([
        { code: 10, data: Array(8).fill(7) },
        { code: 0xffee, data: bytes('new') },
        { code: 0xffee, data: bytes('second') },
      ]);
    }
  });

  it('append adds an option even when the code is there, as CoreDNS does', async () => {
    const seen = await seenBy('rewrite edns0 local append 0xffee new', withOptions([{ code: 0xffee, data: Buffer.from('old') }]));
    expect(seen.options).toEqual([
      { code: 0xffee, data: bytes('old') },
      { code: 0xffee, data: bytes('new') },
    ]);
  });

  it('replace without the option does not match (the next rule runs), but leaves an empty OPT record', async () => {
    const seen = await seenBy('rewrite edns0 local replace 0xffee new\nrewrite name www.example.org web.example.org', plain());
    expect(seen.query.name).toBe('web.example.org');
    expect(seen.options).toEqual([]);
  });

  it('does not take an option miekg/dns models (here a client subnet) for a local one: set adds beside it', async () => {
    const subnet = { code: 8, data: Buffer.from([0, 1, 24, 0, 10, 0, 0]) };
    const seen = await seenBy('rewrite edns0 local set 8 abcd', withOptions([subnet]));
    expect(seen.options).toEqual([
      { code: 8, data: [0, 1, 24, 0, 10, 0, 0] },
      { code: 8, data: bytes('abcd') },
    ]);
  });

  it('unset removes every option of the code, and matches even when there is none (stop ends the rules)', async () => {
    const seen = await seenBy('rewrite edns0 local unset 0xffee', withOptions([{ code: 0xffee, data: Buffer.from('a') }, { code: 3, data: Buffer.alloc(0) }, { code: 0xffee, data: Buffer.from('b') }]));
    expect(seen.options).toEqual([{ code: 3, data: [] }]);
    const stopped = await seenBy('rewrite edns0 local unset 0xffee\nrewrite name www.example.org web.example.org', plain());
    expect(stopped.query.name).toBe('www.example.org');
  });
});

describe('rewrite edns0 local variables', () => {
  const variable = async (name: string, request: Request = plain('WWW.Example.org')) =>
    (await seenBy(`rewrite edns0 local set 0xffee ${name}`, request)).options;

  it('gives the query and the connection as CoreDNS does', async () => {
    const request = plain('WWW.Example.org', { remoteAddress: '192.0.2.10', remotePort: 40000, localAddress: '192.0.2.53', localPort: 1053, transport: 'tcp' });
    expect(await variable('{qname}', request)).toEqual([{ code: 0xffee, data: bytes('WWW.Example.org.') }]);
    expect(await variable('{qtype}', request)).toEqual([{ code: 0xffee, data: [0, 1] }]);
    expect(await variable('{client_ip}', request)).toEqual([{ code: 0xffee, data: [192, 0, 2, 10] }]);
    expect(await variable('{server_ip}', request)).toEqual([{ code: 0xffee, data: [192, 0, 2, 53] }]);
    expect(await variable('{client_port}', request)).toEqual([{ code: 0xffee, data: [0x9c, 0x40] }]);
    expect(await variable('{server_port}', request)).toEqual([{ code: 0xffee, data: [0x04, 0x1d] }]);
    expect(await variable('{protocol}', request)).toEqual([{ code: 0xffee, data: bytes('tcp') }]);
  });

  it('writes addresses in the client family: IPv4-mapped as IPv4, an IPv4 server address as mapped for an IPv6 client', async () => {
    const mapped = plain('a.org', { remoteAddress: '::ffff:192.0.2.10' });
    expect(await variable('{client_ip}', mapped)).toEqual([{ code: 0xffee, data: [192, 0, 2, 10] }]);
    const v6 = plain('a.org', { remoteAddress: '2001:db8::1', localAddress: '192.0.2.53' });
    expect((await variable('{client_ip}', v6))![0]!.data).toHaveLength(16);
    expect(await variable('{server_ip}', v6)).toEqual([{ code: 0xffee, data: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 53] }]);
  });

  it('does nothing without a value, not even the OPT record: an IPv6 server address for an IPv4 client, a metadata label', async () => {
    expect(await variable('{server_ip}', plain('a.org', { remoteAddress: '192.0.2.10', localAddress: '::1' }))).toBeNull();
    expect(await variable('{some-plugin/some-label}')).toBeNull();
  });

  it('sees the question as earlier continue rules left it', async () => {
    const seen = await seenBy('rewrite continue name exact www.example.org web.example.org\nrewrite edns0 local set 0xffee {qname}', plain('WWW.example.org'));
    expect(seen.options).toEqual([{ code: 0xffee, data: bytes('web.example.org.') }]);
  });

  it('append leaves an existing option alone and does not match', async () => {
    const seen = await seenBy(
      'rewrite edns0 local append 0xffee {protocol}\nrewrite name www.example.org web.example.org',
      withOptions([{ code: 0xffee, data: Buffer.from('old') }]),
    );
    expect(seen.options).toEqual([{ code: 0xffee, data: bytes('old') }]);
    expect(seen.query.name).toBe('web.example.org');
  });
});

describe('rewrite edns0 nsid and subnet', () => {
  it('nsid set adds an empty NSID or empties the one there; append adds another; replace needs one', async () => {
    expect((await seenBy('rewrite edns0 nsid set', plain())).options).toEqual([{ code: 3, data: [] }]);
    const withNsid = () => withOptions([{ code: 3, data: Buffer.from('x') }]);
    expect((await seenBy('rewrite edns0 nsid set', withNsid())).options).toEqual([{ code: 3, data: [] }]);
    expect((await seenBy('rewrite edns0 nsid append', withNsid())).options).toEqual([{ code: 3, data: bytes('x') }, { code: 3, data: [] }]);
    const replaced = await seenBy('rewrite edns0 nsid replace\nrewrite name www.example.org web.example.org', plain());
    expect([replaced.options, replaced.query.name]).toEqual([[], 'web.example.org']);
    expect((await seenBy('rewrite edns0 nsid unset', withNsid())).options).toEqual([]);
  });

  it('subnet set sends the client address cut to the prefix of its family', async () => {
    expect((await seenBy('rewrite edns0 subnet set 24 56', plain('a.org', { remoteAddress: '192.0.2.77' }))).options).toEqual([
      { code: 8, data: [0, 1, 24, 0, 192, 0, 2] },
    ]);
    expect((await seenBy('rewrite edns0 subnet set 24 48', plain('a.org', { remoteAddress: '2001:db8:aa:bb::1' }))).options).toEqual([
      { code: 8, data: [0, 2, 48, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0xaa] },
    ]);
  });

  it('subnet set replaces the client subnet a query carries; append leaves it and does not match', async () => {
    const carried = () => withOptions([{ code: 8, data: Buffer.from([0, 1, 16, 0, 10, 1]) }], { remoteAddress: '192.0.2.77' });
    expect((await seenBy('rewrite edns0 subnet set 24 56', carried())).options).toEqual([{ code: 8, data: [0, 1, 24, 0, 192, 0, 2] }]);
    const appended = await seenBy('rewrite edns0 subnet append 24 56\nrewrite name www.example.org web.example.org', carried());
    expect([appended.options, appended.query.name]).toEqual([[{ code: 8, data: [0, 1, 16, 0, 10, 1] }], 'web.example.org']);
  });
});

describe('rewrite edns0 and the client', () => {
  it("gives the client a reply without the options, and without an OPT record when its query had none", async () => {
    const request = plain();
    const reply = await handlerOf('rewrite edns0 local set 0xffee abcd\n', () =>
      prepareReply({ rcode: 0, flags: 0, qname: 'www.example.org', sections: { answer: [{ name: 'www.example.org', type: RRType.A, ttl: 5, address: '192.0.2.1' }], authority: [], additional: [] } }),
    )(request);
    const message = decodeMessage(encodeResponse(request.query, reply, 512));
    expect(message.opt).toBeNull();
    expect(message.answer).toMatchObject([{ name: 'www.example.org', address: '192.0.2.1' }]);
    const withOpt = withOptions([]);
    const echoed = decodeMessage(encodeResponse(withOpt.query, reply, 1232));
    expect(echoed.opt?.options).toEqual([]);
  });

  it('carries a rewritten question and the new options in one query', async () => {
    const seen = await seenBy('rewrite continue name exact www.example.org web.example.org\nrewrite edns0 subnet set 24 56', plain());
    expect([seen.query.name, seen.options]).toEqual(['web.example.org', [{ code: 8, data: [0, 1, 24, 0, 192, 0, 2] }]]);
  });
});
