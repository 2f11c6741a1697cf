import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RCode, RRType } from '../../src/dns/constants.ts';
import { decodeMessage } from '../../src/dns/message.ts';
import { encodeQuery } from '../../src/dns/query.ts';
import { fixturePlugins } from '../../src/test-support/fixture-plugins.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { frame, tcpClient } from '../../src/test-support/wire.ts';

function txtOf(message: Buffer): string[] {
  return decodeMessage(message).answer.flatMap((r) => ('text' in r ? r.text : []));
}

describe('DNS over TCP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('. {\n delay\n}\n', {
      extraPlugins: fixturePlugins,
      tcp: { readTimeoutMs: 300, idleTimeoutMs: 300, maxConnections: 3 },
    });
  });
  afterAll(async () => server?.stop());

  it('answers pipelined queries on one connection as they complete, out of order', async () => {
    const client = await tcpClient(server.port);
    try {
      client.send(
        encodeQuery('d60.slow.test', RRType.TXT, { id: 1 }),
        encodeQuery('d20.medium.test', RRType.TXT, { id: 2 }),
        encodeQuery('now.fast.test', RRType.TXT, { id: 3 }),
      );
      const answers = [await client.next(), await client.next(), await client.next()];
      expect(answers.map((a) => decodeMessage(a).id)).toEqual([3, 2, 1]);
      expect(answers.map(txtOf)).toEqual([['now.fast.test'], ['d20.medium.test'], ['d60.slow.test']]);
    } finally {
      client.destroy();
    }
  });

  it('reassembles a message split across writes, down to single bytes', async () => {
    const client = await tcpClient(server.port);
    try {
      const bytes = frame(encodeQuery('split.test', RRType.TXT, { id: 9 }), encodeQuery('second.test', RRType.TXT, { id: 10 }));
      for (const byte of bytes) {
        client.write(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect([decodeMessage(await client.next()).id, decodeMessage(await client.next()).id]).toEqual([9, 10]);
    } finally {
      client.destroy();
    }
  });

  it('answers what was asked before the client half-closed, then closes', async () => {
    const client = await tcpClient(server.port);
    client.send(encodeQuery('d30.late.test', RRType.TXT, { id: 5 }));
    client.end();
    expect(decodeMessage(await client.next())).toMatchObject({ id: 5, rcode: RCode.NOERROR });
    await client.closed;
  });

  it('closes a connection that sends nothing, and one left idle after answers', async () => {
    const silent = await tcpClient(server.port);
    await silent.closed;
    const idle = await tcpClient(server.port);
    idle.send(encodeQuery('once.test', RRType.TXT, { id: 6 }));
    expect(decodeMessage(await idle.next()).id).toBe(6);
    await idle.closed;
  });

  it('keeps an idle connection open while an answer is still being computed', async () => {
    const client = await tcpClient(server.port);
    try {
      client.send(encodeQuery('d600.slower.test', RRType.TXT, { id: 8 }));
      expect(decodeMessage(await client.next()).id).toBe(8);
    } finally {
      client.destroy();
    }
  });

  it('refuses connections beyond the limit and serves again once they close', async () => {
    const open = await Promise.all([tcpClient(server.port), tcpClient(server.port), tcpClient(server.port)]);
    // Ask on every connection, so the server has surely accepted all three before the fourth.
    open.forEach((client, i) => client.send(encodeQuery('limit.test', RRType.TXT, { id: 20 + i })));
    await Promise.all(open.map((client) => client.next()));
    const extra = await tcpClient(server.port);
    await extra.closed;
    for (const client of open) client.destroy();
    await Promise.all(open.map((client) => client.closed));
    const again = await tcpClient(server.port);
    try {
      again.send(encodeQuery('again.test', RRType.TXT, { id: 30 }));
      expect(decodeMessage(await again.next()).id).toBe(30);
    } finally {
      again.destroy();
    }
  });
});

describe('stopping with answers in flight', () => {
  it('writes the answers a connection is owed before closing it', async () => {
    const server = await startTestServer('. {\n delay\n}\n', { extraPlugins: fixturePlugins });
    const client = await tcpClient(server.port);
    client.send(encodeQuery('d50.inflight.test', RRType.TXT, { id: 11 }));
    // The answer to the second query proves the server has read the first, still pending.
    client.send(encodeQuery('now.test', RRType.TXT, { id: 12 }));
    expect(decodeMessage(await client.next()).id).toBe(12);
    const stopped = server.stop();
    expect(decodeMessage(await client.next()).id).toBe(11);
    await client.closed;
    await stopped;
  });
});
