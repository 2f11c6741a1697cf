import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { explodePlugin } from '../../src/test-support/fixture-plugins.ts';
import { recordingLogger } from '../../src/test-support/log.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

describe('debug: accepted, and the server still recovers', () => {
  let server: TestServer;
  const { logger, lines } = recordingLogger('info');
  beforeAll(async () => {
    // explode (a test fixture) throws for names starting with `sync` and answers TXT "fine" otherwise.
    server = await startTestServer('. {\n    debug\n    explode\n}\n', { logger, extraPlugins: [explodePlugin] });
  });
  afterAll(async () => server?.stop());

  it('loads, says what it does not change, and answers', async () => {
    expect(lines.some((line) => line.plugin === 'debug' && /debug changes nothing in clusterdns/.test(line.msg))).toBe(true);
    expect((await dig('ok.example.org', { port: server.port, type: 'TXT' })).answer.map((record) => record.data)).toEqual(['"fine"']);
  });

  it('answers SERVFAIL for a plugin that throws, and keeps serving (CoreDNS with debug would crash)', async () => {
    expect((await dig('sync.example.org', { port: server.port, type: 'TXT' })).status).toBe('SERVFAIL');
    expect((await dig('ok.example.org', { port: server.port, type: 'TXT' })).status).toBe('NOERROR');
  });

  it('refuses an argument, naming the line', async () => {
    await expect(startTestServer('. {\n    whoami\n    debug off\n}\n')).rejects.toThrow(/Corefile:3 - Error during parsing: debug: expected no arguments, got 1/);
  });
});
