import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { encodeQuery } from '../../src/dns/query.ts';
import { silentLogger } from '../../src/log.ts';
import { renderMetrics } from '../../src/metrics/registry.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

/** A UDP client on its own loopback address, counting the answers it gets. */
async function clientAt(address: string, port: number) {
  const socket = dgram.createSocket('udp4');
  let answers = 0;
  socket.on('message', () => answers++);
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  const query = encodeQuery('flood.example', RRType.TXT);
  return {
    send: (count: number) => {
      for (let i = 0; i < count; i++) socket.send(query, port, '127.0.0.1');
    },
    answers: () => answers,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function drops(): number {
  return renderMetrics(silentLogger)
    .split('\n')
    .filter((line) => line.startsWith('clusterdns_dns_fair_share_drops_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('a saturated server answers the light clients and drops the flooder over its share', () => {
  let server: TestServer;
  // The thread reports itself saturated throughout, as a flood would make it.
  let busy = 0;

  beforeAll(async () => {
    server = await startTestServer('.:0 {\n    whoami\n}\n', { fairShare: { tickMs: 50, busyness: () => busy } });
  });
  afterAll(() => server.stop());

  it('over real UDP, from two loopback addresses', async () => {
    const flooder = await clientAt('127.0.0.2', server.port);
    const light = await clientAt('127.0.0.3', server.port);
    const before = drops();
    busy = 0.99;
    let floodSent = 0;
    let lightSent = 0;
    // 1.5 s: bursts small enough for the socket buffers, 30 ticks of the fair share.
    for (let round = 0; round < 150; round++) {
      flooder.send(40);
      floodSent += 40;
      if (round % 5 === 0) {
        light.send(1);
        lightSent++;
      }
      await sleep(10);
    }
    await sleep(300);
    busy = 0;
    expect(light.answers()).toBe(lightSent);
    const dropped = drops() - before;
    expect(dropped).toBeGreaterThan(0);
    // Whatever the kernel's queues lost besides never reached the server.
    expect(flooder.answers() + dropped).toBeLessThanOrEqual(floodSent);
    await Promise.all([flooder.close(), light.close()]);
  });
});
