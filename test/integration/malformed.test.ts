import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RCode, RRType } from '../../src/dns/constants.ts';
import { decodeMessage } from '../../src/dns/message.ts';
import { encodeQuery } from '../../src/dns/query.ts';
import { dig } from '../../src/test-support/dig.ts';
import { fixturePlugins } from '../../src/test-support/fixture-plugins.ts';
import { seededRandom } from '../../src/test-support/random.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { frame, tcpClient, udpClient } from '../../src/test-support/wire.ts';

/** Random bytes, or a real query with a few bytes changed, so parsing fails at every depth. */
function garbage(random: () => number): Buffer {
  if (random() < 0.5) {
    const bytes = Buffer.alloc(Math.floor(random() * 300));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    return bytes;
  }
  const query = encodeQuery('www.example.org', RRType.A, { edns: random() < 0.5 ? { udpSize: 1232 } : null });
  const flips = 1 + Math.floor(random() * 4);
  for (let i = 0; i < flips; i++) query[Math.floor(random() * query.length)] = Math.floor(random() * 256);
  return random() < 0.2 ? query.subarray(0, Math.floor(random() * query.length)) : query;
}

describe('malformed input', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('. {\n zoneecho\n}\n', { extraPlugins: fixturePlugins });
  });
  afterAll(async () => server?.stop());

  async function exchange(packet: Buffer) {
    const client = await udpClient(server.port);
    try {
      client.send(packet);
      return decodeMessage(await client.next());
    } finally {
      await client.close();
    }
  }

  it('answers FORMERR to a query without a question, keeping its ID', async () => {
    const header = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await exchange(header)).toMatchObject({ id: 0x1234, rcode: RCode.FORMERR, response: true, questions: [] });
    const twoQuestions = encodeQuery('example.org', RRType.A, { id: 77 });
    twoQuestions.writeUInt16BE(2, 4);
    expect(await exchange(twoQuestions)).toMatchObject({ id: 77, rcode: RCode.FORMERR });
  });

  it('answers NOTIMP to opcodes other than QUERY', async () => {
    for (const opcode of [2, 5]) {
      const packet = encodeQuery('example.org', RRType.SOA, { id: 300 + opcode });
      packet[2] = (packet[2]! & 0x87) | (opcode << 3);
      expect(await exchange(packet)).toMatchObject({ id: 300 + opcode, rcode: RCode.NOTIMP, opcode });
    }
  });

  it('stays silent to runts and to responses, answering the next query', async () => {
    const client = await udpClient(server.port);
    try {
      const response = encodeQuery('example.org', RRType.A, { id: 1 });
      response[2]! |= 0x80;
      client.send(Buffer.from([0xab, 0xcd, 0x01]));
      client.send(response);
      client.send(encodeQuery('example.org', RRType.TXT, { id: 2 }));
      expect(decodeMessage(await client.next()).id).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('survives a flood of UDP garbage and keeps answering', async () => {
    const random = seededRandom(0x5eed);
    const client = await udpClient(server.port);
    try {
      for (let batch = 0; batch < 20; batch++) {
        for (let i = 0; i < 100; i++) client.send(garbage(random));
        // Let the server drain between batches so the flood tests parsing, not socket buffers.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      await client.close();
    }
    expect((await dig('after.flood', { port: server.port, type: 'TXT' })).status).toBe('NOERROR');
  });

  it('survives garbage over TCP and answers a query after garbage on the same connection', async () => {
    const random = seededRandom(42);
    for (let c = 0; c < 10; c++) {
      const client = await tcpClient(server.port);
      const frames = Array.from({ length: 20 }, () => garbage(random));
      client.write(c % 2 === 0 ? frame(...frames) : Buffer.concat(frames));
      client.destroy();
    }
    const client = await tcpClient(server.port);
    try {
      client.send(Buffer.from([1, 2, 3]), Buffer.alloc(0), encodeQuery('after.garbage', RRType.TXT, { id: 4321 }));
      const answer = decodeMessage(await client.next());
      expect(answer).toMatchObject({ id: 4321, rcode: RCode.NOERROR });
    } finally {
      client.destroy();
    }
    expect((await dig('after.tcp.garbage', { port: server.port, type: 'TXT', tcp: true })).status).toBe('NOERROR');
  });
});
