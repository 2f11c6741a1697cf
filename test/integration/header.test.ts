import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeaderFlag } from '../../src/dns/constants.ts';
import { dig } from '../../src/test-support/dig.ts';
import { recordingLogger } from '../../src/test-support/log.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { startFakeUpstream, type FakeUpstream } from '../../src/test-support/upstream.ts';

const HOSTS = `    hosts {
        192.0.2.10 web.example.org
    }`;

describe('header: flags of queries and responses', () => {
  let responses: TestServer;
  let queries: TestServer;
  let upstream: FakeUpstream;
  const { logger, lines } = recordingLogger('warn');

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    // The second header line is ignored, as in CoreDNS: were it applied, AA would be cleared.
    responses = await startTestServer(
      `. {\n    header {\n        response set ra aa\n        response clear rd\n    }\n    header {\n        response clear aa\n    }\n${HOSTS}\n}\n`,
      { logger },
    );
    queries = await startTestServer(`. {\n    header {\n        query clear rd\n    }\n    forward . ${upstream.address}\n}\n`);
  });
  afterAll(async () => {
    await Promise.all([responses?.stop(), queries?.stop(), upstream?.close()]);
  });

  it('sets RA and AA and clears RD in responses, the answer unchanged', async () => {
    const result = await dig('web.example.org', { port: responses.port });
    expect([...result.flags].sort()).toEqual(['aa', 'qr', 'ra']);
    expect(result.answer.map((record) => record.data)).toEqual(['192.0.2.10']);
    const plain = await dig('web.example.org', { port: responses.port, flags: ['+norecurse'] });
    expect([...plain.flags].sort()).toEqual(['aa', 'qr', 'ra']);
  });

  it('uses the first header line of a block and warns about the others', () => {
    expect(lines.some((line) => line.plugin === 'header' && /only the first header line/.test(line.msg))).toBe(true);
  });

  it('clears RD in the query forward sends upstream, and so in the answer', async () => {
    const before = upstream.queries().length;
    const result = await dig('www.example.net', { port: queries.port });
    expect(result.answer.map((record) => record.data)).toEqual(['192.0.2.1']);
    expect(result.flags).not.toContain('rd');
    const sent = upstream.queries().slice(before);
    expect(sent.map((query) => query.message.flags & HeaderFlag.RD)).toEqual([0]);
  });
});
