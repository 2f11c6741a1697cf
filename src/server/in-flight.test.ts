import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRType } from '../dns/constants.ts';
import { decodeMessage } from '../dns/message.ts';
import { encodeQuery } from '../dns/query.ts';
import { prepareReply } from '../dns/reply.ts';
import type { Reply } from '../dns/types.ts';
import { silentLogger } from '../log.ts';
import { renderMetrics } from '../metrics/registry.ts';
import { eventually } from '../test-support/wait.ts';
import type { Handler } from '../toolkit/types.ts';
import { Dispatcher, type DispatchResult } from './dispatch.ts';
import { PendingAnswers } from './pending.ts';
import { DEFAULT_TCP_OPTIONS, TcpListener } from './tcp.ts';

function txt(name: string): Reply {
  return prepareReply({ rcode: RCode.NOERROR, flags: HeaderFlag.AA, qname: name, sections: { answer: [{ name, type: RRType.TXT, ttl: 5, text: ['ok'] }], authority: [], additional: [] } });
}

/** Answers `slow.*` only when the test releases it (an upstream that takes its time), the rest at once. */
function slowChain() {
  const waiting: (() => void)[] = [];
  const handler: Handler = (request) => {
    const { name } = request.query;
    if (!name.startsWith('slow.')) return txt(name);
    return new Promise<Reply>((resolve) => waiting.push(() => resolve(txt(name))));
  };
  return { handler, releaseAll: () => waiting.splice(0).forEach((release) => release()) };
}

function rejects(server: string, limit: 'client' | 'listener'): number {
  const line = renderMetrics(silentLogger)
    .split('\n')
    .find((text) => text.startsWith(`clusterdns_dns_inflight_rejects_total{server="${server}",limit="${limit}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('answers in flight on a listener', () => {
  const server = 'dns://:5353';
  const { handler, releaseAll } = slowChain();
  const dispatcher = new Dispatcher({
    server,
    routing: { routes: [{ zone: '', handler }], acceptAnyClass: false, pending: new PendingAnswers() },
    logger: silentLogger,
    inFlight: { maxPending: 3, maxPendingPerClient: 2 },
  });
  const from = (remoteAddress: string, transport: 'udp' | 'tcp' = 'udp') => ({ transport, remoteAddress, remotePort: 5000, localAddress: '::', localPort: 53 });
  const ask = (name: string, client: string, transport: 'udp' | 'tcp' = 'udp'): DispatchResult => dispatcher.dispatch(encodeQuery(name, RRType.TXT), from(client, transport));
  const answered = (result: DispatchResult) => result instanceof Buffer;

  it("turns a client away past its share, while others are answered, and lets it back once answers are out", async () => {
    const clientBefore = rejects(server, 'client');
    const owed = [ask('slow.a', '192.0.2.1'), ask('slow.b', '192.0.2.1')];
    expect(owed.every((result) => result instanceof Promise)).toBe(true);
    // Even what would be answered at once: the client has all it may have in progress.
    expect(ask('fast.a', '192.0.2.1')).toBeNull();
    const refused = ask('fast.a', '192.0.2.1', 'tcp');
    expect(decodeMessage(refused as Buffer).rcode).toBe(RCode.REFUSED);
    expect(answered(ask('fast.b', '192.0.2.2'))).toBe(true);
    expect(rejects(server, 'client') - clientBefore).toBe(2);

    // A third client's slow query fills the listener: now nobody starts anything.
    const listenerBefore = rejects(server, 'listener');
    owed.push(ask('slow.c', '192.0.2.3'));
    expect(ask('fast.d', '192.0.2.4')).toBeNull();
    expect(rejects(server, 'listener') - listenerBefore).toBe(1);

    releaseAll();
    await Promise.all(owed);
    expect(answered(ask('fast.a', '192.0.2.1'))).toBe(true);
    expect(answered(ask('fast.d', '192.0.2.4'))).toBe(true);
    expect(ask('slow.again', '192.0.2.1')).toBeInstanceOf(Promise);
    releaseAll();
  });
});

describe('TCP connections per client', () => {
  it("closes a client's connections past its share as they arrive; another client still connects", async () => {
    const echo: Handler = (request) => txt(request.query.name);
    const dispatcher = new Dispatcher({
      server: 'dns://127.0.0.1:0',
      routing: { routes: [{ zone: '', handler: echo }], acceptAnyClass: false, pending: new PendingAnswers() },
      logger: silentLogger,
    });
    const listener = await TcpListener.open('127.0.0.1', 0, dispatcher, silentLogger, { ...DEFAULT_TCP_OPTIONS, maxConnectionsPerClient: 2 });
    const sockets: net.Socket[] = [];
    /** Connects from `source` and asks one question: true when answered, false when the server closed first. */
    const tryOne = (source: string) =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect({ port: listener.port, host: '127.0.0.1', localAddress: source });
        sockets.push(socket);
        socket.on('error', () => resolve(false));
        socket.on('close', () => resolve(false));
        socket.once('data', () => resolve(true));
        socket.once('connect', () => {
          const query = encodeQuery('x.test', RRType.TXT);
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(query.length);
          socket.write(Buffer.concat([prefix, query]));
        });
      });
    try {
      expect(await tryOne('127.0.0.1')).toBe(true);
      expect(await tryOne('127.0.0.1')).toBe(true);
      expect(await tryOne('127.0.0.1')).toBe(false);
      expect(await tryOne('127.0.0.2')).toBe(true);
      // One of the first client's connections closes: it may open another.
      await new Promise<void>((resolve) => {
        sockets[0]!.once('close', () => resolve());
        sockets[0]!.destroy();
      });
      // Refused attempts are not counted, so trying until the server has seen the close is fair.
      await eventually(() => tryOne('127.0.0.1'), 'a connection in place of the closed one');
    } finally {
      for (const socket of sockets) socket.destroy();
      await listener.close(0);
    }
  });
});
