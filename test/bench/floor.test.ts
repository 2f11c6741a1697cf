import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFixedAnswer, FloorAnswerError, startFloorServer, type FloorServer } from '../../scripts/bench/floor.ts';

let server: FloorServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

/** Sends the datagrams in order from one socket and resolves with the first reply. */
function ask(port: number, ...datagrams: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no reply in 2 s'));
    }, 2000);
    socket.once('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    });
    for (const datagram of datagrams) socket.send(datagram, port, '127.0.0.1');
  });
}

describe('floor server', () => {
  it('answers every query with the fixed A record under the query ID', async () => {
    server = await startFloorServer({ host: '127.0.0.1', port: 0, answer: buildFixedAnswer('web.shop.svc.cluster.local', '10.96.1.7') });
    for (const id of [0, 0xbeef, 65535]) {
      const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', class: 'IN', name: 'web.shop.svc.cluster.local' }] });
      const reply = dnsPacket.decode(await ask(server.port, query));
      expect(reply.id).toBe(id);
      expect(reply.type).toBe('response');
      expect(reply.questions?.[0]?.name).toBe('web.shop.svc.cluster.local');
      expect(reply.answers).toEqual([expect.objectContaining({ type: 'A', name: 'web.shop.svc.cluster.local', ttl: 5, data: '10.96.1.7' })]);
    }
  });

  it('ignores datagrams too short to hold a header', async () => {
    server = await startFloorServer({ host: '127.0.0.1', port: 0, answer: buildFixedAnswer('a.b', '10.0.0.1') });
    const query = dnsPacket.encode({ type: 'query', id: 0x1234, questions: [{ type: 'A', class: 'IN', name: 'a.b' }] });
    // Loopback keeps the order: a reply to the short datagram would arrive first.
    const reply = dnsPacket.decode(await ask(server.port, Buffer.from([0xab, 0xcd, 3]), query));
    expect(reply.id).toBe(0x1234);
  });

  it('with --threads binds one port on every thread before it says it listens', async () => {
    const script = new URL('../../scripts/bench/floor.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, [script, '--port', '0', '--threads', '2', '--name', 'a.b', '--address', '10.0.0.1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { listening } = JSON.parse(line) as { listening: { port: number; threads: number } };
      expect(listening.threads).toBe(2);
      const query = dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', class: 'IN', name: 'a.b' }] });
      expect(dnsPacket.decode(await ask(listening.port, query)).answers).toEqual([expect.objectContaining({ data: '10.0.0.1' })]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('rejects answers it cannot encode', () => {
    expect(() => buildFixedAnswer('a..b', '10.0.0.1')).toThrow(FloorAnswerError);
    expect(() => buildFixedAnswer('a.b', '10.0.0.256')).toThrow(FloorAnswerError);
  });
});
