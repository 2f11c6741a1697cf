import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { dig, type DigResult } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { aRecord, respond, startFakeUpstream, type FakeUpstream, type ReceivedQuery } from '../../src/test-support/upstream.ts';

/** The upstream's names: a CNAME into cdn.example.net, and the name a cname rule moves it to. */
function upstreamAnswers(query: ReceivedQuery) {
  if (query.name === 'www.cname.test') {
    return [
      respond(query, {
        answers: [
          { type: 'CNAME', name: 'www.cname.test', ttl: 200, data: 'app.cdn.example.net' },
          aRecord('app.cdn.example.net', '20.2.0.1', 300),
        ],
      }),
    ];
  }
  if (query.name === 'app.other.example.com') return [respond(query, { answers: [aRecord(query.name, '30.3.1.2', 100)] })];
  return [respond(query, { answers: [aRecord(query.name, '192.0.2.1')] })];
}

const corefile = (upstream: string) => `
edns.test {
    rewrite continue edns0 local set 0xffee {client_ip}
    rewrite continue edns0 local set 0xfff0 {protocol}
    rewrite continue edns0 nsid set
    rewrite edns0 subnet set 24 56
    forward . ${upstream}
}
cname.test {
    rewrite cname suffix .cdn.example.net. .other.example.com.
    forward . ${upstream}
}
ttl.test {
    rewrite continue name exact alias.ttl.test real.ttl.test
    rewrite ttl exact real.ttl.test 42
    rewrite ttl exact five.ttl.test 5
    rewrite ttl suffix .ttl.test 30-60
    hosts /dev/null {
        192.0.2.10 a.ttl.test five.ttl.test
        192.0.2.30 real.ttl.test
    }
}
rcode.test {
    errors
    rewrite rcode exact nowhere.end.rcode.test SERVFAIL REFUSED
    rewrite rcode suffix .rcode.test SERVFAIL NXDOMAIN
    hosts /dev/null {
        192.0.2.20 known.rcode.test
        fallthrough end.rcode.test
    }
}
`;

describe('rewrite', () => {
  let upstream: FakeUpstream;
  let server: TestServer;
  beforeAll(async () => {
    upstream = await startFakeUpstream(upstreamAnswers);
    server = await startTestServer(corefile(upstream.address));
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  const ask = (name: string, flags: string[] = [], tcp = false): Promise<DigResult> => dig(name, { port: server.port, flags, tcp });

  /** The EDNS options of the last query the upstream received for `name`, as [code, bytes]. */
  const upstreamOptions = (name: string) => {
    const query = upstream.queries().filter((received) => received.name === name).at(-1)!;
    return { udpSize: query.message.opt?.udpSize, options: query.message.opt?.options.map((option) => [option.code, [...option.data]]) };
  };

  describe('edns0', () => {
    it("sends forward's upstream the options the rules set, after the client's own", async () => {
      const answer = await ask('one.edns.test', ['+nocookie', '+bufsize=1232']);
      expect(answer.status).toBe('NOERROR');
      expect(upstreamOptions('one.edns.test')).toEqual({
        udpSize: 1232,
        options: [
          [0xffee, [127, 0, 0, 1]],
          [0xfff0, [...Buffer.from('udp')]],
          [3, []],
          [8, [0, 1, 24, 0, 127, 0, 0]],
        ],
      });
      await ask('two.edns.test', ['+cookie', '+bufsize=1232'], true);
      const withCookie = upstreamOptions('two.edns.test').options!;
      expect(withCookie.map(([code]) => code)).toEqual([10, 0xffee, 0xfff0, 3, 8]);
      expect(withCookie[2]).toEqual([0xfff0, [...Buffer.from('tcp')]]);
    });

    it('gives a query without EDNS an OPT record (4096) upstream, and the client an answer without one', async () => {
      const answer = await ask('plain.edns.test', ['+noedns']);
      expect(upstreamOptions('plain.edns.test').udpSize).toBe(4096);
      expect(answer.answer.map((record) => record.data)).toEqual(['192.0.2.1']);
      expect(answer.output).not.toContain('OPT PSEUDOSECTION');
    });

    it("never echoes the added options to the client", async () => {
      const answer = await ask('echo.edns.test', ['+nocookie']);
      expect(answer.output).toContain('OPT PSEUDOSECTION');
      for (const option of ['NSID', 'CLIENT-SUBNET', '65518', '65520']) expect(answer.output).not.toContain(option);
    });
  });

  it('cname: points the CNAME at the new target and answers with what the upstream says of it', async () => {
    const before = upstream.queries().length;
    const answer = await ask('www.cname.test');
    expect(answer.answer.map((record) => `${record.name} ${record.ttl} ${record.type} ${record.data}`)).toEqual([
      'www.cname.test. 200 CNAME app.other.example.com.',
      'app.other.example.com. 100 A 30.3.1.2',
    ]);
    expect(upstream.queries().slice(before).map((query) => [query.name, query.type])).toEqual([
      ['www.cname.test', RRType.A],
      ['app.other.example.com', RRType.A],
    ]);
  });

  describe('ttl', () => {
    it("sets or clamps the TTLs of hosts' answers (3600) for matching names; a stop rule ends the list", async () => {
      expect((await ask('a.ttl.test')).answer.map((record) => [record.data, record.ttl])).toEqual([['192.0.2.10', 60]]);
      expect((await ask('five.ttl.test')).answer.map((record) => [record.data, record.ttl])).toEqual([['192.0.2.10', 5]]);
    });

    it('matches the name an earlier continue rule rewrote to, and the client sees its own name', async () => {
      const answer = await ask('alias.ttl.test');
      expect(answer.question).toBe('alias.ttl.test. IN A');
      expect(answer.answer.map((record) => [record.name, record.data, record.ttl])).toEqual([['alias.ttl.test.', '192.0.2.30', 42]]);
    });
  });

  describe('rcode', () => {
    it("turns hosts' SERVFAIL for a name it does not have into NXDOMAIN, and leaves answers alone", async () => {
      expect((await ask('missing.rcode.test')).status).toBe('NXDOMAIN');
      const known = await ask('known.rcode.test');
      expect([known.status, known.answer.map((record) => record.data)]).toEqual(['NOERROR', ['192.0.2.20']]);
    });

    it('rewrites the RCODE of a failure further down the chain, which errors still reports', async () => {
      expect((await ask('nowhere.end.rcode.test')).status).toBe('REFUSED');
      expect(server.lines.some((line) => line.includes('nowhere.end.rcode.test. A: plugin/hosts: no next plugin found'))).toBe(true);
    });
  });
});
