import { afterEach, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { deadPort, respond, startFakeUpstream, type FakeUpstream } from '../../src/test-support/upstream.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(corefile: string): Promise<TestServer> {
  const started = await startTestServer(corefile);
  cleanup.push(() => started.stop());
  return started;
}

async function fake(...args: Parameters<typeof startFakeUpstream>): Promise<FakeUpstream> {
  const upstream = await startFakeUpstream(...args);
  cleanup.push(() => upstream.close());
  return upstream;
}

describe('forward behind the server', () => {
  it('answers SERVFAIL when no upstream answers, and errors logs why in Go words', async () => {
    const port = await deadPort();
    const running = await server(`. {\n errors\n forward . 127.0.0.1:${port} {\n  max_fails 0\n }\n}\n`);
    expect((await dig('www.example.test', { port: running.port })).status).toBe('SERVFAIL');
    expect(running.lines).toHaveLength(1);
    expect(running.lines[0]).toMatch(
      new RegExp(`^\\[ERROR\\] plugin/errors: 2 www\\.example\\.test\\. A: read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: read: connection refused$`),
    );
  });

  it('forwards classes other than IN, as CoreDNS lets them through to forward', async () => {
    const upstream = await fake((query) => [
      respond(query, { answers: [{ type: 'TXT', name: 'version.bind', class: 'CH', ttl: 0, data: 'fake-1.0' }] }),
    ]);
    const running = await server(`. {\n forward . ${upstream.address}\n}\n`);
    const result = await dig('version.bind', { port: running.port, type: 'TXT', class: 'CH' });
    expect(result.status).toBe('NOERROR');
    expect(result.answer.map((record) => [record.class, record.data])).toEqual([['CH', '"fake-1.0"']]);
    expect(upstream.queries().map((query) => [query.type, query.message.questions[0]!.class])).toEqual([[RRType.TXT, 3]]);
  });

  it('answers REFUSED over max_concurrent', async () => {
    const upstream = await fake((query) => [respond(query, { delayMs: 300 })]);
    const running = await server(`. {\n forward . ${upstream.address} {\n  max_concurrent 1\n }\n}\n`);
    const results = await Promise.all([dig('a.example.test', { port: running.port }), dig('b.example.test', { port: running.port })]);
    expect(results.map((result) => result.status).sort()).toEqual(['NOERROR', 'REFUSED']);
  });

  it('answers REFUSED over max_concurrent behind errors, which logs it with rcode 5 as CoreDNS', async () => {
    const upstream = await fake((query) => [respond(query, { delayMs: 300 })]);
    const running = await server(`. {\n errors\n forward . ${upstream.address} {\n  max_concurrent 1\n }\n}\n`);
    const results = await Promise.all([dig('a.example.test', { port: running.port }), dig('b.example.test', { port: running.port })]);
    expect(results.map((result) => result.status).sort()).toEqual(['NOERROR', 'REFUSED']);
    const refusedName = results.find((result) => result.status === 'REFUSED')!.question!.split(' ')[0];
    expect(running.lines).toEqual([`[ERROR] plugin/errors: 5 ${refusedName} A: concurrent queries exceeded maximum 1`]);
  });
});
