import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRType } from '../dns/constants.ts';
import { parseQuery } from '../dns/query.ts';
import { prepareReply } from '../dns/reply.ts';
import { encodeResponse } from '../dns/response.ts';
import type { Query } from '../dns/types.ts';
import { createExchange, type ServerAddress } from './transport.ts';

/** The wire answer to `query`: one A record, TC set when asked to. */
function answerTo(query: Query, truncated = false): Buffer {
  const reply = prepareReply({
    rcode: RCode.NOERROR,
    flags: HeaderFlag.AA,
    qname: query.name,
    sections: { answer: truncated ? [] : [{ name: query.name, type: RRType.A, ttl: 5, address: '192.0.2.7' }], authority: [], additional: [] },
  });
  const out = encodeResponse(query, reply, 512);
  if (truncated) out.writeUInt16BE(out.readUInt16BE(2) | HeaderFlag.TC, 2);
  return out;
}

function parsed(packet: Buffer): Query {
  const result = parseQuery(packet);
  if (result.kind !== 'query') throw new Error('fake server got no query');
  return result.query;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A UDP server on 127.0.0.1 that answers each packet with what `respond` returns (in order). */
async function udpServer(respond: (query: Query) => Buffer[], port = 0): Promise<{ socket: Socket; port: number; packets: number }> {
  const socket = createSocket('udp4');
  const state = { socket, port: 0, packets: 0 };
  socket.on('message', (packet, peer) => {
    state.packets++;
    for (const out of respond(parsed(packet))) socket.send(out, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  state.port = socket.address().port;
  closers.push(() => new Promise((resolve) => socket.close(() => resolve())));
  return state;
}

/** A TCP server on a free port of 127.0.0.1 answering every framed query. */
async function tcpServer(): Promise<{ server: Server; port: number; queries: number }> {
  const state = { server: createServer(), port: 0, queries: 0 };
  state.server.on('connection', (socket) => {
    socket.on('data', (chunk) => {
      state.queries++;
      const out = answerTo(parsed(chunk.subarray(2, 2 + chunk.readUInt16BE(0))));
      const framed = Buffer.alloc(2 + out.length);
      framed.writeUInt16BE(out.length, 0);
      out.copy(framed, 2);
      socket.end(framed);
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as { port: number }).port;
  closers.push(() => new Promise((resolve) => state.server.close(() => resolve())));
  return state;
}

function server(port: number): ServerAddress {
  return { host: '127.0.0.1', port };
}

describe('createExchange', () => {
  it('ignores answers with another ID and keeps waiting for the real one', async () => {
    const fake = await udpServer((query) => {
      const wrong = answerTo(query);
      wrong.writeUInt16BE((query.id + 1) & 0xffff, 0);
      return [wrong, answerTo(query)];
    });
    const exchange = createExchange({ servers: [server(fake.port)], timeoutMs: 2000, attempts: 1, tcp: false });
    const result = await exchange('a.example', RRType.A);
    expect(result).toMatchObject({ kind: 'response', transport: 'udp', message: { answer: [{ address: '192.0.2.7' }] } });
  });

  it('asks again over TCP when the UDP answer is truncated', async () => {
    const tcp = await tcpServer();
    const fake = await udpServer((query) => [answerTo(query, true)], tcp.port);
    const exchange = createExchange({ servers: [server(fake.port)], timeoutMs: 2000, attempts: 1, tcp: false });
    expect(await exchange('big.example', RRType.A)).toMatchObject({ kind: 'response', transport: 'tcp', message: { truncated: false } });
    expect(tcp.queries).toBe(1);
  });

  it('reports refused when nothing listens, and a timeout when a server stays silent, after every attempt', async () => {
    const silent = await udpServer(() => []);
    const closed = createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', resolve));
    const closedPort = closed.address().port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    expect(await createExchange({ servers: [server(closedPort)], timeoutMs: 2000, attempts: 2, tcp: false })('a.example', RRType.A)).toEqual({
      kind: 'refused',
    });
    const exchange = createExchange({ servers: [server(silent.port), server(closedPort)], timeoutMs: 100, attempts: 2, tcp: false });
    expect(await exchange('a.example', RRType.A)).toEqual({ kind: 'timeout' });
    expect(silent.packets).toBe(2);
  });
});
