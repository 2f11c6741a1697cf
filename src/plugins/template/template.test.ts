import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRClass, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { parseRecordText } from '../../dns/record-text.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { DomainName } from '../../dns/types.ts';
import { metricsRegistry } from '../../metrics/registry.ts';
import { directives } from '../../test-support/corefile.ts';
import { thrownBy } from '../../test-support/errors.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { PluginError } from '../../toolkit/errors.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { compileTemplate } from './compile.ts';
import { MAX_CNAME_DEPTH, templateHandler } from './handler.ts';
import { parseTemplateDirective } from './parse.ts';

/** What the next plugin answers, so a test sees that the query went on: CoreDNS's tests use a private rcode. */
const PASSED_ON = emptyReply(RCode.NOTIMP);

function handlerFor(corefileLines: string, zones: DomainName[] = [''], next: Handler = () => PASSED_ON): Handler {
  const compiled = directives(corefileLines).map((line) => compileTemplate(parseTemplateDirective(line), zones));
  return templateHandler(compiled)(next);
}

async function ask(handler: Handler, name: string, type: number, options: { class?: number; server?: string; remote?: string } = {}) {
  const query = queryFor(name, type, { class: options.class ?? RRClass.IN });
  const reply = await handler(requestFor(query, { server: options.server ?? 'dns://:53', remoteAddress: options.remote ?? '192.0.2.10' }));
  return { reply, message: decodeMessage(encodeResponse(query, reply, 65535)) };
}

async function failure(handler: Handler, name: string, type: number, server?: string): Promise<PluginError> {
  const error = await Promise.resolve()
    .then(() => ask(handler, name, type, { server }))
    .then(
      () => null,
      (thrown: unknown) => thrown,
    );
  return thrownBy(PluginError, () => {
    throw error;
  });
}

const IP_TEMPLATE = `template ANY ANY {
    match "(^|[.])ip-10-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$"
    answer "{{ .Name }} 60 IN A 10.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
    fallthrough
}`;

async function counted(metric: string, labels: Record<string, string>): Promise<number> {
  const family = await metricsRegistry.getSingleMetric(metric)!.get();
  return family.values.find((value) => Object.entries(labels).every(([key, text]) => value.labels[key] === text))?.value ?? 0;
}

describe('template handler (CoreDNS TestHandler)', () => {
  it('answers an address built from the named groups, authoritatively, and counts the match', async () => {
    const before = await counted('coredns_template_matches_total', { server: 'dns://:5301', zone: '.', class: 'IN', type: 'A' });
    const { message } = await ask(handlerFor(IP_TEMPLATE), 'ip-10-95-12-8.example', RRType.A, { server: 'dns://:5301' });
    expect(message.rcode).toBe(RCode.NOERROR);
    expect(message.authoritative).toBe(true);
    expect(message.answer).toEqual([{ name: 'ip-10-95-12-8.example', type: RRType.A, class: RRClass.IN, ttl: 60, address: '10.95.12.8' }]);
    expect(await counted('coredns_template_matches_total', { server: 'dns://:5301', zone: '.', view: '', class: 'IN', type: 'A' })).toBe(before + 1);
  });

  it('falls through where no regex matches and fallthrough is set; SERVFAIL where it is not', async () => {
    expect((await ask(handlerFor(IP_TEMPLATE), 'test.invalid', RRType.A)).reply).toBe(PASSED_ON);
    const strict = handlerFor('template ANY ANY {\n match ^nothing$\n}');
    expect((await ask(strict, 'test.invalid', RRType.A)).message.rcode).toBe(RCode.SERVFAIL);
  });

  it('reads hexadecimal groups with parseInt', async () => {
    const handler = handlerFor(`template ANY ANY {
        match "^ip0a(?P<b>[a-f0-9]{2})(?P<c>[a-f0-9]{2})(?P<d>[a-f0-9]{2})[.]example[.]$"
        answer "{{ .Name }} 60 IN A 10.{{ parseInt .Group.b 16 8 }}.{{ parseInt .Group.c 16 8 }}.{{ parseInt .Group.d 16 8 }}"
    }`);
    expect((await ask(handler, 'ip0a5f0c09.example', RRType.A)).message.answer).toMatchObject([{ address: '10.95.12.9' }]);
  });

  it("answers the client's address from .Remote", async () => {
    const handler = handlerFor('template IN A {\n answer "{{ .Name }} 60 IN A {{ .Remote }}"\n}');
    expect((await ask(handler, 'test.example', RRType.A, { remote: '10.240.0.1' })).message.answer).toMatchObject([{ address: '10.240.0.1' }]);
  });

  it('fills the additional and authority sections', async () => {
    const handler = handlerFor(`template ANY ANY {
        match "(^|[.])ip-10-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$"
        answer "{{ .Name }} 60 MX 10 {{ .Name }}"
        additional "{{ .Name }} 60 IN A 10.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
        additional "ns0.example. IN A 203.0.113.8"
        authority "example. IN NS ns0.example.com."
    }`);
    const { message } = await ask(handler, 'ip-10-95-12-8.example', RRType.MX);
    expect(message.answer).toMatchObject([{ type: RRType.MX, preference: 10, exchange: 'ip-10-95-12-8.example' }]);
    expect(message.additional).toMatchObject([{ type: RRType.A, address: '10.95.12.8' }, { name: 'ns0.example', ttl: 3600, address: '203.0.113.8' }]);
    expect(message.authority).toMatchObject([{ type: RRType.NS, target: 'ns0.example.com' }]);
  });

  it('answers NXDOMAIN with the templated SOA in the class asked', async () => {
    const handler = handlerFor('template ANY ANY {\n match "[.]invalid[.]$"\n rcode NXDOMAIN\n answer "invalid. 60 {{ .Class }} SOA a.invalid. b.invalid. (1 60 60 60 60)"\n}');
    const { message } = await ask(handler, 'test.invalid', RRType.MX);
    expect(message.rcode).toBe(RCode.NXDOMAIN);
    expect(message.answer).toMatchObject([{ type: RRType.SOA, name: 'invalid', mname: 'a.invalid', minimum: 60 }]);
  });

  it('answers SERVFAIL for rcode SERVFAIL, unflagged, as the server writes it for CoreDNS', async () => {
    const { message } = await ask(handlerFor('template ANY ANY {\n rcode SERVFAIL\n}'), 'test.invalid', RRType.A);
    expect([message.rcode, message.authoritative]).toEqual([RCode.SERVFAIL, false]);
  });

  it('fails with SERVFAIL and counts a template that cannot run, or whose output is no record', async () => {
    const server = 'dns://:5302';
    const broken = handlerFor('template ANY ANY {\n match "[.]example[.]$"\n answer "{{ .Name }} 60 IN TXT \\"{{ index .Match 2 }}\\""\n}');
    const error = await failure(broken, 'test.example', RRType.TXT, server);
    expect([error.rcode, error.message]).toEqual([
      RCode.SERVFAIL,
      'template: answer:1:26: executing "answer" at <index .Match 2>: error calling index: index out of range: 2',
    ]);
    const labels = { server, zone: '.', view: '', class: 'IN', type: 'TXT', section: 'answer', template: '{{.Name}} 60 IN TXT "{{index .Match 2}}"' };
    expect(await counted('coredns_template_template_failures_total', labels)).toBe(1);
    const parseIntFails = handlerFor('template ANY ANY {\n answer "{{ .Name }} 60 IN TXT \\"{{ parseInt \\"gg\\" 16 8 }}\\""\n}');
    expect((await failure(parseIntFails, 'test.example', RRType.TXT)).message).toBe(
      'template: answer:1:26: executing "answer" at <parseInt "gg" 16 8>: error calling parseInt: strconv.ParseUint: parsing "gg": invalid syntax',
    );
    for (const section of ['answer', 'additional', 'authority']) {
      const notRecord = handlerFor(`template ANY ANY {\n ${section} "{{ .Name }}"\n}`);
      expect((await failure(notRecord, 'test.example', RRType.A, server)).message).toBe('dns: not a TTL: "test.example." at line: 1:13');
      expect(await counted('coredns_template_rr_failures_total', { server, section, template: '{{.Name}}', type: 'A' })).toBe(1);
    }
  });

  it('answers a CNAME alone when nothing further resolves its target', async () => {
    const handler = handlerFor('template ANY ANY {\n match "example[.]net[.]"\n answer "example.net 60 IN CNAME target.example.com"\n}', ['']);
    const { message } = await ask(handler, 'example.net', RRType.A);
    expect(message.answer).toMatchObject([{ type: RRType.CNAME, target: 'target.example.com' }]);
  });

  it('gives .Meta "" for every name: clusterdns has no metadata plugin', async () => {
    const handler = handlerFor('template ANY ANY {\n answer "{{ .Meta \\"foo\\" }}{{ .Name }} 60 IN A 10.0.0.1"\n}');
    expect((await ask(handler, 'ip-10-95-12-8.example', RRType.A)).message.answer).toMatchObject([{ name: 'ip-10-95-12-8.example' }]);
  });

  it('sends its Extended DNS Error with the reason', async () => {
    const handler = handlerFor('template ANY ANY {\n rcode NXDOMAIN\n authority "invalid. 60 {{ .Class }} SOA ns.invalid. hostmaster.invalid. (1 60 60 60 60)"\n ederror 21 "Blocked due to RFC2606"\n}');
    const { message } = await ask(handler, 'test.invalid', RRType.A);
    expect(message.rcode).toBe(RCode.NXDOMAIN);
    expect(message.opt?.options).toEqual([{ code: 15, data: Buffer.concat([Buffer.from([0, 21]), Buffer.from('Blocked due to RFC2606')]) }]);
  });

  it('gives templates the question, the message and the matched regex', async () => {
    const handler = handlerFor(
      'template IN TXT {\n match ^(?P<host>[a-z]+)[.]\n answer "{{ .Name }} 60 IN TXT \\"{{ .Question.Name }}\\" \\"{{ .Question.Qtype }}\\" \\"{{ (index .Message.Question 0).Qclass }}\\" \\"{{ .Regex }}\\" \\"{{ .Zone }}\\" \\"{{ .Type }}\\" \\"{{ .Message.RecursionDesired }}\\""\n}',
      ['example'],
    );
    expect((await ask(handler, 'Host.Example', RRType.TXT)).message.answer).toMatchObject([{ text: ['Host.Example.', '16', '1', '^(?P<host>[a-z]+)[.]', 'example.', 'TXT', 'true'] }]);
  });

  it('answers from one reply built at setup when no template depends on the query', async () => {
    const handler = handlerFor('template IN A example {\n answer "fixed.example. 60 IN A 192.0.2.1"\n}', ['example']);
    const first = await ask(handler, 'a.example', RRType.A);
    const second = await ask(handler, 'b.example', RRType.A);
    expect(second.reply).toBe(first.reply);
    expect(second.message.answer).toMatchObject([{ name: 'fixed.example', address: '192.0.2.1' }]);
  });
});

describe('template handler (CoreDNS TestMultiSection)', () => {
  const handler = handlerFor(
    `template IN A {
        rcode REFUSED
    }
    template IN TXT {
        match "$^"
        rcode SERVFAIL
        fallthrough
    }
    template CH TXT coredns.invalid {
        answer "{{ .Name }} 60 CH TXT \\"test\\""
    }
    template IN A example {
        match ^ip-10-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
        answer "{{ .Name }} 60 IN A 10.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
        fallthrough
    }
    template IN MX example {
        match ^ip-10-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
        answer "{{ .Name }} 60 IN MX 10 {{ .Name }}"
        additional "{{ .Name }} 60 IN A 10.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
    }`,
    ['test'],
  );
  const handlerExample = handlerFor(
    `template IN A example {
        match ^ip-10-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
        answer "{{ .Name }} 60 IN A 10.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
        fallthrough
    }
    template IN MX example {
        match ^ip-10-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
        answer "{{ .Name }} 60 IN MX 10 {{ .Name }}"
    }`,
    ['example'],
  );

  it('tries the templates in order, each for its zones, class and type', async () => {
    expect((await ask(handler, 'some.test', RRType.A)).message.rcode).toBe(RCode.REFUSED);
    expect((await ask(handler, 'some.test', RRType.TXT)).reply).toBe(PASSED_ON);
    const chaos = await ask(handler, 'coredns.invalid', RRType.TXT, { class: RRClass.CH });
    expect(chaos.message.answer).toMatchObject([{ class: RRClass.CH, text: ['test'] }]);
    // A template naming its zones answers outside the block's; names outside every template's zones go on untouched.
    expect((await ask(handler, 'ip-10-11-12-13.example', RRType.A)).message.answer).toMatchObject([{ address: '10.11.12.13' }]);
    expect((await ask(handler, 'other.org', RRType.A)).reply).toBe(PASSED_ON);
  });

  it('answers the ip templates, passes on A names they do not match, SERVFAILs MX ones', async () => {
    expect((await ask(handlerExample, 'ip-10-11-12-13.example', RRType.A)).message.answer).toMatchObject([{ address: '10.11.12.13' }]);
    expect((await ask(handlerExample, 'ip-10-11-12-13.example', RRType.MX)).message.answer).toMatchObject([{ type: RRType.MX }]);
    expect((await ask(handlerExample, 'something.example', RRType.A)).reply).toBe(PASSED_ON);
    expect((await ask(handlerExample, 'something.example', RRType.MX)).message.rcode).toBe(RCode.SERVFAIL);
  });

  it('lets a query of class or type ANY match any template, and labels it with the template class and type', async () => {
    const { message } = await ask(handlerExample, 'ip-10-11-12-13.example', RRType.ANY, { server: 'dns://:5303' });
    expect(message.answer).toMatchObject([{ type: RRType.A }]);
    expect(await counted('coredns_template_matches_total', { server: 'dns://:5303', zone: 'example.', class: 'IN', type: 'A' })).toBe(1);
  });
});

describe('template handler: CNAME targets (CoreDNS TestTruncatedCNAME and upstream)', () => {
  function upstream(records: string[], flags = 0) {
    const asked: string[] = [];
    const next: Handler = (request: Request) => {
      asked.push(`${request.query.name} ${request.query.type}`);
      const answer = records.map(parseRecordText);
      return prepareReply({ rcode: RCode.NOERROR, flags, qname: request.query.name, sections: { answer, authority: [], additional: [] } });
    };
    return { asked, next };
  }

  it('appends what the rest of the chain answers for the target, and its truncation', async () => {
    const { asked, next } = upstream(['test.up. 600 IN A 1.2.3.4'], HeaderFlag.TC);
    const handler = handlerFor('template IN A test {\n match ^cname\\.test\\.$\n answer "cname.test. 600 IN CNAME test.up"\n}', [''], next);
    const { message } = await ask(handler, 'cname.test', RRType.A);
    expect(asked).toEqual([`test.up ${RRType.A}`]);
    expect(message.truncated).toBe(true);
    expect(message.answer).toMatchObject([
      { type: RRType.CNAME, target: 'test.up' },
      { name: 'test.up', type: RRType.A, address: '1.2.3.4' },
    ]);
  });

  it('follows only for A and AAAA queries', async () => {
    const { asked, next } = upstream([]);
    const handler = handlerFor('template IN ANY test {\n answer "cname.test. 600 IN CNAME test.up"\n}', ['test'], next);
    await ask(handler, 'cname.test', RRType.TXT);
    expect(asked).toEqual([]);
  });

  it("resolves a target through the block's templates too, and stops a loop", async () => {
    const { asked, next } = upstream([]);
    const chain = handlerFor(
      'template IN A a.test {\n answer "a.test. 60 IN CNAME b.test."\n}\ntemplate IN A b.test {\n answer "b.test. 60 IN A 10.0.0.2"\n}',
      [''],
      next,
    );
    expect((await ask(chain, 'a.test', RRType.A)).message.answer).toMatchObject([{ type: RRType.CNAME }, { name: 'b.test', address: '10.0.0.2' }]);
    const loop = handlerFor('template IN A loop.test {\n answer "loop.test. 60 IN CNAME loop.test."\n}', [''], next);
    const { message } = await ask(loop, 'loop.test', RRType.A);
    expect(message.answer.length).toBe(MAX_CNAME_DEPTH + 1);
    expect(asked).toEqual([]);
  });

  it('adds nothing for a target whose lookup fails', async () => {
    const handler = handlerFor('template IN A test {\n answer "cname.test. 600 IN CNAME test.up"\n}', [''], () => {
      throw new PluginError('forward', RCode.SERVFAIL, 'no upstream');
    });
    expect((await ask(handler, 'cname.test', RRType.A)).message.answer).toMatchObject([{ type: RRType.CNAME }]);
  });
});
