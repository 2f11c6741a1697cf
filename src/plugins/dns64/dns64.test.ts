import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRClass, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Reply, ResourceRecord } from '../../dns/types.ts';
import { silentLogger } from '../../log.ts';
import { directive } from '../../test-support/corefile.ts';
import { aRecords, soa } from '../../test-support/records.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { PluginError } from '../../toolkit/errors.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { dns64Handler } from './handler.ts';
import { requestsTranslated } from './metrics.ts';
import { parseDns64, type Dns64Options } from './parse.ts';
import { embedIPv4 } from './synthesis.ts';

const parse = (text: string) => parseDns64(directive(text));
const prefixText = (options: Dns64Options) => `${embedIPv4(options.prefix, '0.0.0.0')}/${options.prefix.length}`;

describe('dns64 parse', () => {
  it('defaults to the well-known prefix, IPv6 clients only, AAAA answers kept', () => {
    const options = parse('dns64');
    expect([prefixText(options), options.translateAll, options.allowIPv4]).toEqual(['64:ff9b::/96', false, false]);
  });

  it('takes the prefix as an argument or a property, and the switches in the block', () => {
    expect(prefixText(parse('dns64 64:1337::/96'))).toBe('64:1337::/96');
    const options = parse('dns64 {\n    prefix 2001:db8:1::/48\n    translate_all\n    allow_ipv4\n}');
    expect([prefixText(options), options.translateAll, options.allowIPv4]).toEqual(['2001:db8:1::/48', true, true]);
  });

  it('keeps the network of a prefix written with host bits, as Go does', () => {
    expect(prefixText(parse('dns64 64:ff9b::1:2:3/64'))).toBe('64:ff9b::/64');
  });

  it("refuses prefixes CoreDNS refuses, naming the line, in CoreDNS's words", () => {
    const refusal = (text: string) => () => parse(text);
    expect(refusal('dns64 64:ff9b::')).toThrow(/Corefile:2 - Error during parsing: dns64: invalid CIDR address: 64:ff9b::$/);
    expect(refusal('dns64 nope/96')).toThrow(/invalid CIDR address: nope\/96/);
    expect(refusal('dns64 64:ff9b::/129')).toThrow(/invalid CIDR address/);
    expect(refusal('dns64 10.1.0.0/16')).toThrow(/invalid netmask 32 IPv6 address: "10.1.0.0\/16"/);
    expect(refusal('dns64 64:ff9b::/100')).toThrow(/invalid prefix length "64:ff9b::\/100"/);
    expect(refusal('dns64 64:ff9b::/28')).toThrow(/invalid prefix length "64:ff90::\/28"/);
    expect(refusal('dns64 64:ff9b::/60')).toThrow(/invalid prefix length/);
    expect(refusal('dns64 {\n    prefix 64:ff9b::/97\n}')).toThrow(/Corefile:3 .*invalid prefix length/);
  });

  it('names the line of a wrong argument count and of an unknown property', () => {
    expect(() => parse('dns64 64:ff9b::/96 64:1337::/96')).toThrow(/Corefile:2 .*dns64: expected at most 1 argument, got 2/);
    expect(() => parse('dns64 {\n    prefix\n}')).toThrow(/Corefile:3 .*expected 1 argument, got 0/);
    expect(() => parse('dns64 {\n    translate_all yes\n}')).toThrow(/Corefile:3 /);
    expect(() => parse('dns64 {\n    allow_ipv6\n}')).toThrow(/Corefile:3 .*unknown property 'allow_ipv6'/);
  });
});

describe('embedIPv4 (RFC 6052 2.2, CoreDNS TestTo6)', () => {
  const at = (prefix: string) => parse(`dns64 ${prefix}`).prefix;
  it('puts the IPv4 bytes after the prefix, around the u-octet', () => {
    expect(embedIPv4(at('64:ff9b::/96'), '64.64.64.64')).toBe('64:ff9b::4040:4040');
    expect(embedIPv4(at('64:ff9b::/64'), '64.64.64.64')).toBe('64:ff9b::40:4040:4000:0');
    expect(embedIPv4(at('64:ff9b::/56'), '64.64.64.64')).toBe('64:ff9b:0:40:40:4040::');
    expect(embedIPv4(at('64::/32'), '64.64.64.64')).toBe('64:0:4040:4040::');
    expect(embedIPv4(at('2001:db8:100::/40'), '192.0.2.33')).toBe('2001:db8:1c0:2:21::');
    expect(embedIPv4(at('2001:db8:122::/48'), '192.0.2.33')).toBe('2001:db8:122:c000:2:2100::');
  });
});

const NAME = 'example.com';
const SERVER = 'dns://:53';

function reply(rcode: number, answer: ResourceRecord[], authority: ResourceRecord[] = [], flags = 0): Reply {
  return prepareReply({ rcode, flags, qname: NAME, sections: { answer, authority, additional: [] } });
}

/** A chain end answering AAAA and A with the replies given, recording the questions it saw. */
function scripted(aaaa: Reply | (() => never), a?: Reply | (() => never) | Promise<Reply>) {
  const asked: string[] = [];
  const next: Handler = (request: Request) => {
    const { type, name, class: cls } = request.query;
    asked.push(`${name} ${type === RRType.A ? 'A' : type === RRType.AAAA ? 'AAAA' : type} ${cls}`);
    const answer = type === RRType.A ? a : aaaa;
    if (answer === undefined) throw new Error(`unexpected ${type} query`);
    return typeof answer === 'function' ? answer() : answer;
  };
  return { next, asked };
}

async function ask(options: string, next: Handler, remoteAddress = '::1', type: number = RRType.AAAA) {
  const handler = dns64Handler(parseDns64(directive(options)), silentLogger)(next);
  const query = queryFor(NAME, type);
  const result = await handler(requestFor(query, { remoteAddress, server: SERVER }));
  return { result, message: decodeMessage(encodeResponse(query, result, 65535)) };
}

type Decoded = ReturnType<typeof decodeMessage>['answer'][number];
const ttlOf = (record: Decoded) => ('ttl' in record ? record.ttl : null);
const answers = (message: ReturnType<typeof decodeMessage>) =>
  message.answer.map((record) => `${record.type === RRType.AAAA ? 'AAAA' : record.type} ${ttlOf(record)} ${'address' in record ? record.address : ''}`);

describe('dns64 handler (CoreDNS TestDNS64)', () => {
  const aAnswer = reply(RCode.NOERROR, aRecords(NAME, 60, '192.0.2.42').concat(aRecords(NAME, 5000, '192.0.2.43')));

  it('synthesizes AAAA from A for an empty answer, each TTL capped by the SOA', async () => {
    const before = requestsTranslated.cell(SERVER).value;
    const { next, asked } = scripted(reply(RCode.NOERROR, [], [soa(NAME, 70, 5)]), aAnswer);
    const { message } = await ask('dns64', next);
    expect(asked).toEqual([`${NAME} AAAA 1`, `${NAME} A 1`]);
    expect([message.rcode, message.authoritative, message.truncated]).toEqual([RCode.NOERROR, false, false]);
    expect(answers(message)).toEqual(['AAAA 60 64:ff9b::c000:22a', 'AAAA 70 64:ff9b::c000:22b']);
    expect(message.authority).toEqual([]);
    expect(requestsTranslated.cell(SERVER).value).toBe(before + 1);
  });

  it("caps TTLs at 600 without an SOA, after an error other than a name error, and sends the A reply's authority on", async () => {
    const aWithAuthority = reply(RCode.NOERROR, aRecords(NAME, 5000, '192.0.2.43'), [soa('com', 900, 60)]);
    const { next } = scripted(emptyReply(RCode.REFUSED), aWithAuthority);
    const { message } = await ask('dns64', next);
    expect([message.rcode, answers(message)]).toEqual([RCode.NOERROR, ['AAAA 600 64:ff9b::c000:22b']]);
    expect(message.authority.map((record) => `${record.name} ${record.type} ${ttlOf(record)}`)).toEqual([`com ${RRType.SOA} 900`]);
  });

  it('answers NOERROR with what the A reply had, even an SOA alone', async () => {
    const denial = reply(RCode.NOERROR, [], [soa(NAME, 3600, 86400)]);
    const { next } = scripted(denial, denial);
    const { message } = await ask('dns64', next);
    expect([message.rcode, message.answer.length, message.authority.length]).toEqual([RCode.NOERROR, 0, 1]);
  });

  it('passes a name error on without asking for A; an NXDOMAIN without SOA is synthesized from', async () => {
    const nameError = reply(RCode.NXDOMAIN, [], [soa(NAME, 3600, 86400)]);
    const first = scripted(nameError);
    expect((await ask('dns64', first.next)).result).toBe(nameError);
    expect(first.asked).toHaveLength(1);
    const second = scripted(emptyReply(RCode.NXDOMAIN), aAnswer);
    expect(answers((await ask('dns64', second.next)).message)).toHaveLength(2);
  });

  it('keeps an answer with AAAA records, unless translate_all', async () => {
    const aaaa = reply(RCode.NOERROR, [{ name: NAME, type: RRType.AAAA, ttl: 60, address: '2001:db8::1' }]);
    const kept = scripted(aaaa, aAnswer);
    expect((await ask('dns64', kept.next)).result).toBe(aaaa);
    const all = scripted(aaaa, aAnswer);
    expect(answers((await ask('dns64 {\n    translate_all\n}', all.next)).message)).toEqual(['AAAA 60 64:ff9b::c000:22a', 'AAAA 600 64:ff9b::c000:22b']);
  });

  it('keeps CNAMEs of the A reply as they are and carries its TC bit', async () => {
    const cnamed = reply(
      RCode.NOERROR,
      [{ name: NAME, type: RRType.CNAME, ttl: 30, target: 'v4.example.net' }, ...aRecords('v4.example.net', 40, '198.51.100.7')],
      [],
      HeaderFlag.TC | HeaderFlag.AA | HeaderFlag.RA,
    );
    const { next } = scripted(emptyReply(RCode.NOERROR), cnamed);
    const { message } = await ask('dns64 64:ff9b:1::/48', next);
    expect(message.answer).toEqual([
      { name: NAME, type: RRType.CNAME, class: RRClass.IN, ttl: 30, target: 'v4.example.net' },
      { name: 'v4.example.net', type: RRType.AAAA, class: RRClass.IN, ttl: 40, address: '64:ff9b:1:c633:64:700::' },
    ]);
    expect([message.truncated, message.authoritative, message.recursionAvailable]).toEqual([true, false, false]);
  });

  it('leaves IPv4 clients alone unless allow_ipv4, and other types and classes', async () => {
    const empty = emptyReply(RCode.NOERROR);
    for (const address of ['127.0.0.1', '::ffff:127.0.0.1']) {
      const { next, asked } = scripted(empty, aAnswer);
      expect((await ask('dns64', next, address)).result).toBe(empty);
      expect(asked).toHaveLength(1);
    }
    const allowed = scripted(empty, aAnswer);
    expect(answers((await ask('dns64 {\n    allow_ipv4\n}', allowed.next, '127.0.0.1')).message)).toHaveLength(2);
    const other = scripted(empty, aAnswer);
    expect((await ask('dns64', other.next, '::1', RRType.A)).result).toBe(aAnswer);
    const handler = dns64Handler(parseDns64(directive('dns64')), silentLogger)(scripted(empty, aAnswer).next);
    expect(await handler(requestFor(queryFor(NAME, RRType.AAAA, { class: RRClass.CH }), { remoteAddress: '::1' }))).toBe(empty);
  });

  it('waits for answers that come later', async () => {
    const { next } = scripted(emptyReply(RCode.NOERROR), Promise.resolve(aAnswer));
    const asyncNext: Handler = (request) => Promise.resolve(next(request));
    expect(answers((await ask('dns64', asyncNext)).message)).toHaveLength(2);
  });

  it('answers an empty NOERROR when the A query fails, as CoreDNS does; a failing AAAA query fails', async () => {
    const failing = () => {
      throw new PluginError('forward', RCode.SERVFAIL, 'no healthy upstream');
    };
    const { next } = scripted(emptyReply(RCode.NOERROR), failing);
    const { message } = await ask('dns64', next);
    expect([message.rcode, message.answer.length, message.authority.length]).toEqual([RCode.NOERROR, 0, 0]);
    const rejecting: Handler = (request) => (request.query.type === RRType.A ? Promise.reject(new Error('timeout')) : emptyReply(RCode.NOERROR));
    expect((await ask('dns64', rejecting)).message.rcode).toBe(RCode.NOERROR);
    await expect(ask('dns64', scripted(failing).next)).rejects.toThrow(PluginError);
  });

  it('synthesizes once per A reply and TTL cap', async () => {
    const { next } = scripted(emptyReply(RCode.NOERROR), aAnswer);
    const handler = dns64Handler(parseDns64(directive('dns64')), silentLogger)(next);
    const request = requestFor(queryFor(NAME, RRType.AAAA), { remoteAddress: '::1' });
    const first = await handler(request);
    expect(await handler(request)).toBe(first);
  });
});
