import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { aRecord, respond, startDnsmasq, startFakeUpstream, type Behavior, type Dnsmasq, type FakeUpstream } from '../../src/test-support/upstream.ts';

/** A for every name; names under google.com are a CNAME to edge.google.com first, as CDNs answer. */
const upstreamAnswers: Behavior = (query) => {
  if (query.name.endsWith('google.com')) {
    return [
      respond(query, {
        answers: [
          { type: 'CNAME', name: query.name, ttl: 60, data: 'edge.google.com' },
          aRecord('edge.google.com', '192.0.2.2'),
        ],
      }),
    ];
  }
  return [respond(query, { answers: [aRecord(query.name, '192.0.2.1')] })];
};

const rows = (records: readonly { name: string; type: string; data: string }[]) => records.map((r) => `${r.name} ${r.type} ${r.data}`);

describe('rewrite behind the real server, forwarding the rewritten query', () => {
  let upstream: FakeUpstream;
  let server: TestServer;
  beforeAll(async () => {
    upstream = await startFakeUpstream(upstreamAnswers);
    server = await startTestServer(
      [
        '. {',
        ' rewrite continue type MX A',
        ' rewrite name exact app.example.org a-much-longer-backend-name.example.net',
        ' rewrite name regex (.*)-(us-west-1)\\.example\\.org {1}.service.{2}.consul answer name (.*)\\.service\\.(us-west-1)\\.consul {1}-{2}.example.org',
        ' rewrite name regex (.*)\\.plain\\.example\\.org {1}.elsewhere.test',
        ' rewrite name suffix .schmoogle.com .google.com answer auto',
        ` rewrite name regex (.*)\\.toolong\\.test {1}.${'x'.repeat(70)}.test`,
        ` forward . ${upstream.address}`,
        '}',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  const lastAsked = () => upstream.queries().at(-1)!;

  it('sends the rewritten name upstream and shows the client its own name in question and answer (exact)', async () => {
    const result = await dig('App.Example.org', { port: server.port });
    expect(lastAsked().name).toBe('a-much-longer-backend-name.example.net');
    expect(result.status).toBe('NOERROR');
    expect(result.question).toBe('App.Example.org. IN A');
    // The owner name points at the question, so it shows the client's spelling.
    expect(rows(result.answer)).toEqual(['App.Example.org. A 192.0.2.1']);
  });

  it('maps answer names back with `answer name` (regex)', async () => {
    const result = await dig('ftp-us-west-1.example.org', { port: server.port });
    expect(lastAsked().name).toBe('ftp.service.us-west-1.consul');
    expect(result.question).toBe('ftp-us-west-1.example.org. IN A');
    expect(rows(result.answer)).toEqual(['ftp-us-west-1.example.org. A 192.0.2.1']);
  });

  it('keeps the rewritten answer names of a regex rule without answer options, under the client question', async () => {
    const result = await dig('www.plain.example.org', { port: server.port });
    expect(result.question).toBe('www.plain.example.org. IN A');
    expect(rows(result.answer)).toEqual(['www.elsewhere.test. A 192.0.2.1']);
  });

  it('swaps the suffix back in owner names and CNAME targets with `answer auto` (suffix)', async () => {
    const result = await dig('www.schmoogle.com', { port: server.port });
    expect(lastAsked().name).toBe('www.google.com');
    expect(rows(result.answer)).toEqual(['www.schmoogle.com. CNAME edge.schmoogle.com.', 'edge.schmoogle.com. A 192.0.2.2']);
  });

  it('asks upstream for the rewritten type and keeps the asked type in the question', async () => {
    const result = await dig('mail.example.com', { port: server.port, type: 'MX' });
    expect(lastAsked()).toMatchObject({ name: 'mail.example.com', type: RRType.A });
    expect(result.question).toBe('mail.example.com. IN MX');
    expect(rows(result.answer)).toEqual(['mail.example.com. A 192.0.2.1']);
  });

  it('answers SERVFAIL without asking upstream when the rewritten name is no domain name', async () => {
    const before = upstream.queries().length;
    expect((await dig('a.toolong.test', { port: server.port })).status).toBe('SERVFAIL');
    expect(upstream.queries()).toHaveLength(before);
  });

  it('works over TCP too', async () => {
    const result = await dig('app.example.org', { port: server.port, tcp: true });
    expect(rows(result.answer)).toEqual(['app.example.org. A 192.0.2.1']);
  });
});

describe('rewrite in front of a real upstream (dnsmasq)', () => {
  let dnsmasq: Dnsmasq;
  let server: TestServer;
  beforeAll(async () => {
    dnsmasq = await startDnsmasq(['address=/real.example.test/192.0.2.44']);
    server = await startTestServer(`. {\n rewrite name app.example.org real.example.test\n forward . ${dnsmasq.address}\n}\n`);
  });
  afterAll(async () => {
    await server?.stop();
    await dnsmasq?.stop();
  });

  it('resolves the rewritten name and answers for the asked one', async () => {
    const result = await dig('app.example.org', { port: server.port });
    expect(result.status).toBe('NOERROR');
    expect(result.question).toBe('app.example.org. IN A');
    expect(rows(result.answer)).toEqual(['app.example.org. A 192.0.2.44']);
  });
});
