import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { startFakeUpstream, type FakeUpstream } from '../../src/test-support/upstream.ts';
import { httpGet } from '../ops/http.ts';

function corefile(upstream: string, metricsPort: number): string {
  return `example.org {
    template IN AAAA example.org {
        rcode NOERROR
    }
    hosts {
        192.0.2.10 www.example.org
    }
}
example {
    prometheus 127.0.0.1:${metricsPort}
    template IN A example {
        match "(^|[.])ip-(?P<a>[0-9]*)-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$"
        answer "{{ .Name }} 60 IN A {{ .Group.a }}.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
        fallthrough
    }
    hosts {
        192.0.2.7 web.example
    }
}
in-addr.arpa {
    template IN PTR in-addr.arpa {
        match ^(?P<d>[0-9]*)[.](?P<c>[0-9]*)[.](?P<b>[0-9]*)[.](?P<a>[0-9]*)[.]in-addr[.]arpa[.]$
        answer "{{ .Name }} 60 IN PTR ip-{{ .Group.a }}-{{ .Group.b }}-{{ .Group.c }}-{{ .Group.d }}.example."
    }
}
example.com {
    errors
    template ANY ANY cluster.local.example.com {
        rcode NXDOMAIN
        authority "{{ .Zone }} 60 IN SOA ns.example.com hostmaster.example.com (1 60 60 60 60)"
    }
    template ANY ANY invalid.example.com {
        rcode NXDOMAIN
        authority "invalid.example.com. 60 {{ .Class }} SOA ns.invalid. hostmaster.invalid. (1 60 60 60 60)"
        ederror 21 "Blocked according to RFC2606"
    }
    template IN TXT broken.example.com {
        answer "{{ .Name }} 60 IN TXT {{ index .Match 3 }}"
    }
    whoami
}
foogle.com {
    template IN ANY foogle.com {
        match "^foogle\\.com\\.$"
        answer "foogle.com 60 IN CNAME google.com"
    }
    forward . ${upstream}
}
`;
}

describe('template: answers made from Go templates, asked with dig', () => {
  let server: TestServer;
  let upstream: FakeUpstream;
  let metricsPort: number;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    metricsPort = await freePort();
    server = await startTestServer(corefile(upstream.address, metricsPort));
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  const ask = (name: string, type = 'A') => dig(name, { port: server.port, type });

  it('answers AAAA in a zone with NODATA, authoritatively, and leaves A to the next plugin', async () => {
    // hosts alone would answer a name it does not have SERVFAIL.
    for (const name of ['www.example.org', 'anything.example.org', 'example.org']) {
      const aaaa = await ask(name, 'AAAA');
      expect([aaaa.status, aaaa.flags.includes('aa'), aaaa.answer, aaaa.authority]).toEqual(['NOERROR', true, [], []]);
    }
    const a = await ask('www.example.org');
    expect(a.answer.map((r) => `${r.type} ${r.data}`)).toEqual(['A 192.0.2.10']);
  });

  it('answers the address a name spells, below it too, and the name back for the address', async () => {
    expect((await ask('ip-10-0-0-1.example')).answer.map((r) => `${r.name} ${r.ttl} ${r.type} ${r.data}`)).toEqual(['ip-10-0-0-1.example. 60 A 10.0.0.1']);
    expect((await ask('www.ip-10-1-2-3.example')).answer.map((r) => r.data)).toEqual(['10.1.2.3']);
    expect((await ask('1.0.0.10.in-addr.arpa', 'PTR')).answer.map((r) => `${r.type} ${r.data}`)).toEqual(['PTR ip-10-0-0-1.example.']);
  });

  it('falls through to the next plugin when no regex matches', async () => {
    const web = await ask('web.example');
    expect([web.status, web.answer.map((r) => r.data)]).toEqual(['NOERROR', ['192.0.2.7']]);
  });

  it('answers a search-path completion NXDOMAIN with the SOA of its zone', async () => {
    const nx = await ask('myservice.default.svc.cluster.local.example.com');
    expect(nx.status).toBe('NXDOMAIN');
    expect(nx.authority.map((r) => `${r.name} ${r.ttl} ${r.type} ${r.data}`)).toEqual([
      'cluster.local.example.com. 60 SOA ns.example.com. hostmaster.example.com. 1 60 60 60 60',
    ]);
    // The rest of the block's zone is whoami's.
    expect((await ask('other.example.com')).additional.length).toBe(2);
  });

  it('sends its Extended DNS Error with the reason', async () => {
    const result = await ask('x.invalid.example.com');
    expect(result.status).toBe('NXDOMAIN');
    expect(result.output).toMatch(/; EDE: 21 \(Not Supported\): \(Blocked according to RFC2606\)/);
  });

  it('resolves the target of a fabricated CNAME through the rest of the chain', async () => {
    const result = await ask('foogle.com');
    expect(result.answer.map((r) => `${r.name} ${r.type} ${r.data}`)).toEqual(['foogle.com. CNAME google.com.', 'google.com. A 192.0.2.1']);
    expect(upstream.queries().map((query) => query.name)).toContain('google.com');
  });

  it('answers SERVFAIL for a template that fails, and errors logs why', async () => {
    server.lines.length = 0;
    expect((await ask('a.broken.example.com', 'TXT')).status).toBe('SERVFAIL');
    expect(server.lines).toEqual([
      '[ERROR] plugin/errors: 2 a.broken.example.com. TXT: template: answer:1:25: executing "answer" at <index .Match 3>: error calling index: index out of range: 3',
    ]);
  });

  it("counts matches and failures under CoreDNS's metric names", async () => {
    await ask('ip-10-9-9-9.example');
    const metrics = (await httpGet(metricsPort, '/metrics')).body;
    const line = (name: string, ...labels: string[]) => metrics.split('\n').find((text) => text.startsWith(`${name}{`) && labels.every((label) => text.includes(label)));
    expect(line('coredns_template_matches_total', 'zone="example."', 'class="IN"', 'type="A"', 'view=""')).toMatch(/ [1-9]\d*$/);
    expect(line('coredns_template_template_failures_total', 'zone="broken.example.com."', 'section="answer"', 'template="{{.Name}} 60 IN TXT {{index .Match 3}}"')).toMatch(/ 1$/);
  });
});

describe('template: a Corefile it cannot read', () => {
  it('fails to start, naming the line of the template that does not compile', async () => {
    const error = await startTestServer('. {\n    template IN A {\n        answer "{{ .Name }"\n    }\n}\n').catch((thrown: unknown) => thrown);
    expect(String(error)).toMatch(/Corefile:3 - Error during parsing: template: could not compile template: \{\{ \.Name \}, template: answer:1: unclosed action$/);
  });
});
