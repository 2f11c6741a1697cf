import { describe, expect, it } from 'vitest';
import { randomInt, seededRandom } from '../test-support/random.ts';
import { thrownBy } from '../test-support/errors.ts';
import { RRClass, RRType } from './constants.ts';
import { parseRecordText, parseTtlText, RecordTextError } from './record-text.ts';
import { prepareReply } from './reply.ts';
import { readReplyRecords } from './reply-records.ts';

function refusal(text: string): string {
  return thrownBy(RecordTextError, () => parseRecordText(text)).message;
}

describe('parseRecordText', () => {
  it('reads owner, TTL, class and type in the orders zone files allow, with the defaults NewRR gives', () => {
    expect(parseRecordText('ip-10-0-0-1.example. 60 IN A 10.0.0.1')).toEqual({ name: 'ip-10-0-0-1.example', ttl: 60, class: RRClass.IN, type: RRType.A, address: '10.0.0.1' });
    expect(parseRecordText('a.example IN 60 A 10.0.0.1')).toMatchObject({ name: 'a.example', ttl: 60 });
    expect(parseRecordText('A.Example. A 10.0.0.1')).toMatchObject({ name: 'a.example', ttl: 3600, class: RRClass.IN });
    expect(parseRecordText('coredns.invalid. 60 CH TXT "test"')).toMatchObject({ class: RRClass.CH, type: RRType.TXT, text: ['test'] });
    expect(parseRecordText('a. 1h30m A 10.0.0.1')).toMatchObject({ ttl: 5400 });
    expect(parseRecordText('@ 60 IN NS ns0.example.')).toMatchObject({ name: '', target: 'ns0.example' });
  });

  it('reads the rdata of every modelled type, names made absolute under the root', () => {
    expect(parseRecordText('a. 60 AAAA 2001:db8::1')).toMatchObject({ type: RRType.AAAA, address: '2001:db8::1' });
    expect(parseRecordText('example.net 60 IN CNAME target.example.com')).toMatchObject({ name: 'example.net', target: 'target.example.com' });
    expect(parseRecordText('1.0.0.10.in-addr.arpa. 60 IN PTR ip-10-0-0-1.example.')).toMatchObject({ type: RRType.PTR, target: 'ip-10-0-0-1.example' });
    expect(parseRecordText('a. 60 IN MX 10 mail.a.')).toMatchObject({ preference: 10, exchange: 'mail.a' });
    expect(parseRecordText('_x._tcp.a. 60 IN SRV 0 100 443 a.')).toMatchObject({ priority: 0, weight: 100, port: 443, target: 'a' });
    expect(parseRecordText('a. 60 IN HINFO "Intel x86" linux')).toMatchObject({ cpu: 'Intel x86', os: 'linux' });
    expect(parseRecordText('a. 60 IN HINFO "cpu os words"')).toMatchObject({ cpu: 'cpu', os: 'os words' });
  });

  it('reads an SOA across parentheses, its timers with units, comments left out', () => {
    const soa = parseRecordText('example.com 60 IN SOA ns.example.com hostmaster.example.com (\n 1 ; serial\n 60 1m 60 1h )');
    expect(soa).toEqual({
      name: 'example.com', ttl: 60, class: RRClass.IN, type: RRType.SOA,
      mname: 'ns.example.com', rname: 'hostmaster.example.com', serial: 1, refresh: 60, retry: 60, expire: 60, minimum: 3600,
    });
  });

  it('reads TXT strings quoted and bare, with escapes; bytes that are no UTF-8 stay raw', () => {
    expect(parseRecordText('a. TXT "two words" bare "q\\"uote\\065"')).toMatchObject({ text: ['two words', 'bare', 'q"uoteA'] });
    expect(parseRecordText('a. TXT "\\255"')).toMatchObject({ type: RRType.TXT, data: Buffer.from([1, 255]) });
  });

  it('reads any type in the RFC 3597 generic form', () => {
    expect(parseRecordText('a. 60 IN TYPE65400 \\# 3 0a 0b0c')).toEqual({ name: 'a', ttl: 60, class: RRClass.IN, type: 65400, data: Buffer.from([10, 11, 12]) });
    expect(parseRecordText('a. 60 CAA \\# 0')).toMatchObject({ type: 257, data: Buffer.alloc(0) });
    expect(refusal('a. 60 TYPE65400 \\# 2 0a')).toBe('dns: bad RFC3597 Rdata: "0a" at line: 1:23');
  });

  it('reads only the first record', () => {
    expect(parseRecordText('\n; comment\na. A 10.0.0.1\nb. A 10.0.0.2')).toMatchObject({ name: 'a' });
  });

  it('encodes what it reads: the records survive a reply and a decode', () => {
    const records = ['a. 60 IN A 10.0.0.1', 'a. 60 IN MX 10 b.', 'a. 60 IN TXT "x y"', 'a. 60 IN TYPE65400 \\# 1 ff', 'a. 60 IN SOA ns. host. 1 2 3 4 5'].map(parseRecordText);
    const reply = prepareReply({ rcode: 0, flags: 0, qname: 'a', sections: { answer: records, authority: [], additional: [] } });
    expect(readReplyRecords(reply, 'a').answer).toEqual(records.map((record) => ({ class: RRClass.IN, ...record })));
  });

  it("refuses what is no record, worded as miekg's ParseError with the token and where it ends", () => {
    expect(refusal('test.example.')).toBe('dns: not a TTL: "test.example." at line: 1:13');
    expect(refusal('a. 60 IN A 10.0.0')).toBe('dns: bad A A: "10.0.0" at line: 1:17');
    expect(refusal('a. 60 IN A ::1')).toBe('dns: bad A A: "::1" at line: 1:14');
    expect(refusal('a. 60 IN AAAA 10.0.0.1')).toBe('dns: bad AAAA AAAA: "10.0.0.1" at line: 1:22');
    expect(refusal('a. 60 IN A 10.0.0.1 extra')).toBe('dns: garbage after rdata: "extra" at line: 1:25');
    expect(refusal('a. sixty IN A 10.0.0.1')).toBe('dns: not a TTL: "sixty" at line: 1:8');
    expect(refusal('a..b. A 10.0.0.1')).toBe('dns: bad owner name: "a..b." at line: 1:5');
    expect(refusal(`a. CNAME ${'x'.repeat(64)}.`)).toMatch(/^dns: bad CNAME Target: /);
    expect(refusal('a. MX 70000 b.')).toBe('dns: bad MX Pref: "70000" at line: 1:11');
    expect(refusal('a. SOA ns. host. 1 2 3 4')).toMatch(/^dns: bad SOA zone parameter/);
    expect(refusal('a. TXT "open')).toMatch(/^dns: unbalanced quotes/);
    expect(refusal('a. SOA ns. host. (1 2 3 4 5')).toMatch(/^dns: unbalanced brace/);
    expect(refusal('a. A')).toMatch(/^dns: bad A rdata/);
    expect(refusal('   ')).toBe('dns: no resource record: "" at line: 1:0');
    expect(refusal(' a. A 10.0.0.1')).toMatch(/^dns: no owner name/);
    expect(refusal('a. 60 IN NAPTR 1 2 "" "" "" .')).toMatch(/^dns: clusterdns reads NAPTR records only in RFC 3597's generic form/);
  });
});

describe('parseTtlText', () => {
  it("reads seconds and units as miekg's stringToTTL", () => {
    expect(['60', '1m', '1h1s', '2W', '1d', 'x', '4294967296'].map(parseTtlText)).toEqual([60, 60, 3601, 1209600, 86400, null, null]);
  });
});

describe('parseRecordText under mutation', () => {
  it('reads a record that encodes, or throws RecordTextError: nothing else', () => {
    const seeds = ['a.example. 60 IN A 10.0.0.1', 'b. 1h CH TXT "x y" z\\065', 'c. IN 60 SOA ns. host. (1 2 3 4 5) ; c', '_s._tcp.d. SRV 0 1 2 e.', 'f. TYPE65400 \\# 2 ab cd', 'g. AAAA ::1', 'h. MX 1 @'];
    const alphabet = ' \t\n()";\\.@#0123456789abcdefINAXT:';
    const random = seededRandom(7);
    for (let i = 0; i < 4000; i++) {
      let text = seeds[i % seeds.length]!;
      for (let edits = 1 + randomInt(random, 3); edits > 0; edits--) {
        const at = randomInt(random, text.length + 1);
        text = text.slice(0, at) + alphabet[randomInt(random, alphabet.length)] + text.slice(at + randomInt(random, 2));
      }
      try {
        const record = parseRecordText(text);
        prepareReply({ rcode: 0, flags: 0, qname: null, sections: { answer: [record], authority: [], additional: [] } });
      } catch (error) {
        if (!(error instanceof RecordTextError)) throw new Error(`${JSON.stringify(text)} threw ${String(error)}`);
      }
    }
  });
});
