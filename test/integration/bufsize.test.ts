import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { BIG_REPLY_RECORDS, bigReplyPlugin } from '../../src/test-support/fixture-plugins.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

describe('bufsize', () => {
  let clamped: TestServer;
  let open: TestServer;
  beforeAll(async () => {
    clamped = await startTestServer('. {\n    bufsize\n    bigreply\n}\n', { extraPlugins: [bigReplyPlugin] });
    open = await startTestServer('. {\n    bigreply\n}\n', { extraPlugins: [bigReplyPlugin] });
  });
  afterAll(async () => {
    await clamped?.stop();
    await open?.stop();
  });

  const ask = (server: TestServer, flags: string[]) => dig('big.example.org', { port: server.port, flags: ['+ignore', ...flags] });

  it('truncates a UDP answer at 1232 bytes for a client that advertised 4096', async () => {
    const [plain, capped] = await Promise.all([ask(open, ['+bufsize=4096']), ask(clamped, ['+bufsize=4096'])]);
    expect([plain.flags.includes('tc'), plain.answer.length]).toEqual([false, BIG_REPLY_RECORDS]);
    expect(capped.flags).toContain('tc');
    expect(capped.answer.length).toBeLessThan(BIG_REPLY_RECORDS);
  });

  it('leaves TCP and smaller advertised sizes alone', async () => {
    expect((await ask(clamped, ['+tcp', '+bufsize=4096'])).answer.length).toBe(BIG_REPLY_RECORDS);
    const small = await ask(clamped, ['+bufsize=600']);
    expect([small.flags.includes('tc'), /udp: 600/.test(small.output)]).toEqual([true, true]);
  });
});
