import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const manifests = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');

describe('the compiled-in kubernetes plugin behind the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(`. {\n errors\n log\n kubernetes cluster.local {\n  manifests ${manifests}\n }\n}\n`);
  });
  afterAll(async () => server?.stop());

  it('answers the bundled example cluster over UDP and TCP, logging each query', async () => {
    for (const tcp of [false, true]) {
      const result = await dig('kubernetes.default.svc.cluster.local', { port: server.port, tcp });
      expect(result.status).toBe('NOERROR');
      expect(result.answer.map((r) => [r.name, r.type, r.data])).toEqual([['kubernetes.default.svc.cluster.local.', 'A', '127.10.0.1']]);
    }
    expect((await dig('nothere.default.svc.cluster.local', { port: server.port })).status).toBe('NXDOMAIN');
    expect(server.lines.filter((line) => line.includes('kubernetes.default.svc.cluster.local.'))).toHaveLength(2);
  });

  it('answers SERVFAIL for names it does not serve when nothing follows it, and errors says why, as CoreDNS', async () => {
    server.lines.length = 0;
    expect((await dig('example.com', { port: server.port })).status).toBe('SERVFAIL');
    expect(server.lines[0]).toBe('[ERROR] plugin/errors: 2 example.com. A: plugin/kubernetes: no next plugin found');
    expect(server.lines[1]).toMatch(/"A IN example\.com\. udp \d+ false 1232" SERVFAIL qr,rd /);
  });
});
