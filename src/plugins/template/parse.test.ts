import { describe, expect, it } from 'vitest';
import { CorefileError } from '../../corefile/types.ts';
import { RCode, RRClass, RRType } from '../../dns/constants.ts';
import { directive } from '../../test-support/corefile.ts';
import { thrownBy } from '../../test-support/errors.ts';
import { nodeText } from './gotemplate/nodes.ts';
import { parseTemplateDirective } from './parse.ts';

const parse = (text: string) => parseTemplateDirective(directive(text));
const parseError = (text: string): string => thrownBy(CorefileError, () => parse(text)).message;

describe('template parse', () => {
  it("takes CoreDNS's defaults: the block's zones, match everything, NOERROR, no fallthrough", () => {
    const options = parse('template ANY ANY');
    expect(options).toMatchObject({ qclass: RRClass.ANY, qtype: RRType.ANY, zones: null, rcode: RCode.NOERROR, ede: null, fallthrough: null, answer: [] });
    expect(options.patterns.map((pattern) => pattern.source)).toEqual(['.*']);
  });

  it('reads every property of the examples of CoreDNS 1.14', () => {
    const options = parse(`template IN A example.org. example {
        match "^ip-(?P<a>[0-9]*)[.]example[.]$" ^(?P<b>x)$
        match third
        answer "{{ .Name }} 60 IN A {{ .Group.a }}" "{{ .Name }} 60 IN A 10.0.0.2"
        additional "ns0.example. 60 IN A 203.0.113.8"
        authority "example. 60 IN NS ns0.example."
        rcode NXDOMAIN
        ederror 21 "Blocked according to RFC2606"
        fallthrough in-addr.arpa
        upstream
    }`);
    expect(options).toMatchObject({ qclass: RRClass.IN, qtype: RRType.A, zones: ['example.org', 'example'], rcode: RCode.NXDOMAIN, fallthrough: ['in-addr.arpa'] });
    expect(options.ede).toEqual({ code: 21, reason: 'Blocked according to RFC2606' });
    expect(options.patterns.map((pattern) => pattern.source)).toEqual(['^ip-(?P<a>[0-9]*)[.]example[.]$', '^(?P<b>x)$', 'third']);
    expect(options.answer.map((tree) => [tree.name, nodeText(tree.root)])).toEqual([
      ['answer', '{{.Name}} 60 IN A {{.Group.a}}'],
      ['answer', '{{.Name}} 60 IN A 10.0.0.2'],
    ]);
    expect([options.additional.length, options.authority[0]?.name]).toEqual([1, 'authority']);
    expect(parse('template ANY ANY {\n fallthrough\n}').fallthrough).toEqual(['']);
    expect(parse('template ANY ANY {\n ederror 15\n}').ede).toEqual({ code: 15, reason: '' });
  });

  it('accepts what CoreDNS accepts though it fails when run: unknown fields, functions without arguments', () => {
    expect(() => parse('template ANY A example.com {\n answer "{{ .Name }} A {{ .Grup.d }}."\n}')).not.toThrow();
    expect(() => parse('template ANY ANY {\n answer "{{ parseInt }}"\n additional "{{ parseInt }}"\n authority "{{ parseInt }}"\n}')).not.toThrow();
  });

  it('refuses what CoreDNS refuses, naming the line', () => {
    expect(parseError('template')).toBe('Corefile:2 - Error during parsing: template: expected at least 2 arguments, got 0');
    expect(parseError('template ANY')).toMatch(/^Corefile:2 - .*expected at least 2 arguments, got 1$/);
    expect(parseError('template X ANY')).toBe('Corefile:2 - Error during parsing: template: invalid query class X');
    expect(parseError('template in A')).toBe('Corefile:2 - Error during parsing: template: invalid query class in');
    expect(parseError('template ANY X')).toBe('Corefile:2 - Error during parsing: template: invalid RR class X');
    expect(parseError('template ANY ANY {\n\n notavailable\n}')).toBe("Corefile:4 - Error during parsing: template: unknown property 'notavailable'");
    for (const property of ['answer', 'additional', 'authority', 'match', 'rcode', 'ederror']) {
      expect(parseError(`template ANY ANY {\n ${property}\n}`)).toMatch(/^Corefile:3 - .*expected /);
    }
    expect(parseError('template ANY ANY {\n rcode UNDEFINED\n}')).toBe('Corefile:3 - Error during parsing: template: unknown rcode UNDEFINED');
    expect(parseError('template ANY ANY {\n rcode nxdomain\n}')).toBe('Corefile:3 - Error during parsing: template: unknown rcode nxdomain');
    expect(parseError('template ANY ANY {\n ederror invalid "Blocked"\n}')).toBe(
      'Corefile:3 - Error during parsing: template: error parsing extended DNS error code invalid, strconv.ParseUint: parsing "invalid": invalid syntax',
    );
    expect(parseError('template ANY ANY {\n ederror too many arguments\n}')).toMatch(/^Corefile:3 - .*expected 1 to 2 arguments, got 3$/);
  });

  it('compiles regexes and templates at setup: one that does not compile is an error at its line', () => {
    expect(parseError('template ANY ANY {\n answer "{{"\n}')).toBe('Corefile:3 - Error during parsing: template: could not compile template: {{, template: answer:1: unclosed action');
    expect(parseError('template ANY ANY {\n additional "{{"\n}')).toMatch(/^Corefile:3 - .*template: additional:1: unclosed action$/);
    expect(parseError('template ANY ANY {\n\n authority "{{ notAFunction }}"\n}')).toMatch(/^Corefile:4 - .*template: authority:1: function "notAFunction" not defined$/);
    expect(parseError('template ANY ANY {\n match ([a\n}')).toMatch(/^Corefile:3 - Error during parsing: template: could not parse regex: \(\[a, error parsing regexp: /);
    expect(parseError(`template ANY A example.com {\n match ${'a'.repeat(10001)}\n}`)).toBe('Corefile:3 - Error during parsing: template: regex pattern too long: 10001 > 10000');
  });
});
