import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const COREFILE = `example.org {
    nsid Use The Force
    acl {
        block type MX
    }
    whoami
}
`;

describe('nsid: the server identifies itself to clients that ask', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(COREFILE);
  });
  afterAll(async () => server?.stop());

  const nsidLine = (output: string) => /^; NSID: .*$/m.exec(output)?.[0] ?? null;

  it('adds NSID to the answer of a query with the option, over UDP and TCP', async () => {
    for (const tcp of [false, true]) {
      const result = await dig('whoami.example.org', { port: server.port, tcp, flags: ['+nsid'] });
      expect(result.status).toBe('NOERROR');
      expect(nsidLine(result.output)).toBe('; NSID: 55 73 65 20 54 68 65 20 46 6f 72 63 65 ("Use The Force")');
      expect(result.additional.length).toBe(2);
    }
  });

  it('sends none to a query without the option', async () => {
    const result = await dig('whoami.example.org', { port: server.port });
    expect([result.status, nsidLine(result.output), /; EDNS: version: 0/.test(result.output)]).toEqual(['NOERROR', null, true]);
  });

  it("identifies the server on another plugin's refusal too, beside its Extended DNS Error", async () => {
    const result = await dig('whoami.example.org', { port: server.port, type: 'MX', flags: ['+nsid'] });
    expect([result.status, /; EDE: 15/.test(result.output), nsidLine(result.output) !== null]).toEqual(['REFUSED', true, true]);
  });

  it('refuses a second nsid line in a block, naming it', async () => {
    await expect(startTestServer('. {\n    nsid a\n    nsid b\n    whoami\n}\n')).rejects.toThrow(/Corefile:3 /);
  });
});
