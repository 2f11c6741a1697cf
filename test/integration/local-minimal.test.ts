import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const CLUSTER = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');

describe('local and minimal', () => {
  let server: TestServer;
  let noPrefix: TestServer;
  beforeAll(async () => {
    server = await startTestServer(`. {\n    local\n    minimal\n    kubernetes cluster.local {\n        manifests ${CLUSTER}\n    }\n    whoami\n}\n`);
    noPrefix = await startTestServer(`. {\n    local {\n        localhost_prefix off\n    }\n    whoami\n}\n`);
  });
  afterAll(async () => {
    await server?.stop();
    await noPrefix?.stop();
  });

  const answer = async (name: string, type = 'A', target = server) => {
    const result = await dig(name, { port: target.port, type });
    return [result.status, result.answer.map((r) => `${r.type} ${r.data}`), result.authority.map((r) => `${r.name} ${r.type}`)];
  };

  it('answers localhost, names under .localhost and the legacy localhost. prefix with loopback addresses', async () => {
    expect(await answer('localhost')).toEqual(['NOERROR', ['A 127.0.0.1'], []]);
    expect(await answer('app.localhost', 'AAAA')).toEqual(['NOERROR', ['AAAA ::1'], []]);
    expect(await answer('localhost.example.org')).toEqual(['NOERROR', ['A 127.0.0.1'], []]);
    expect(await answer('localhost', 'MX')).toEqual(['NOERROR', [], ['localhost. SOA']]);
    // With localhost_prefix off, localhost.example.org is not special: whoami answers it.
    expect((await dig('localhost.example.org', { port: noPrefix.port })).additional.length).toBe(2);
  });

  it('answers the loopback reverse zones: PTR localhost for 127.0.0.1, NXDOMAIN below, SOA and NS at the apex', async () => {
    expect(await answer('1.0.0.127.in-addr.arpa', 'PTR')).toEqual(['NOERROR', ['PTR localhost.'], []]);
    expect(await answer('2.0.0.127.in-addr.arpa', 'PTR')).toEqual(['NXDOMAIN', [], ['127.in-addr.arpa. SOA']]);
    expect(await answer('0.in-addr.arpa', 'NS')).toEqual(['NOERROR', ['NS localhost.'], []]);
    const soa = await dig('255.in-addr.arpa', { port: server.port, type: 'SOA' });
    expect(soa.answer[0]!.data).toBe('localhost. root.localhost. 1 0 0 0 604800');
  });

  it('minimal: a successful answer without its additional section; a denial keeps its SOA', async () => {
    const srv = await dig('_http._tcp.myservice.default.svc.cluster.local', { port: server.port, type: 'SRV' });
    expect([srv.answer.length, srv.additional.length]).toEqual([1, 0]);
    const nx = await dig('nope.default.svc.cluster.local', { port: server.port });
    expect([nx.status, nx.authority[0]?.type]).toEqual(['NXDOMAIN', 'SOA']);
  });
});
