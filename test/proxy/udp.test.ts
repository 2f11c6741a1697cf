import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterStore, type ClusterStore } from '../../src/cluster/store.ts';
import type { Service } from '../../src/cluster/types.ts';
import { silentLogger } from '../../src/log.ts';
import { ServiceProxy } from '../../src/proxy/index.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { NamedUdpBackend, countBy, service, slices, udpClient, udpExchange } from '../../src/test-support/proxy.ts';
import { eventually, sleep } from '../../src/test-support/wait.ts';

/** This file's service addresses: 127.10.2.0/24. */
const SERVICE_IP = '127.10.2.1';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function backends(count: number): Promise<NamedUdpBackend[]> {
  const started = await Promise.all(Array.from({ length: count }, (_, i) => new NamedUdpBackend(`u${i + 1}`, `127.0.0.${i + 2}`).listen()));
  cleanups.push(() => started.forEach((b) => b.close()));
  return started;
}

async function clients(count: number): Promise<Socket[]> {
  const sockets = await Promise.all(Array.from({ length: count }, () => udpClient()));
  cleanups.push(() => sockets.forEach((s) => s.close()));
  return sockets;
}

interface Setup {
  readonly store: ClusterStore;
  readonly proxy: ServiceProxy;
  readonly port: number;
  readonly dns: Service;
}

async function proxied(running: readonly { address: string; port: number }[], udpIdleTimeoutMs = 5000): Promise<Setup> {
  const port = await freePort(SERVICE_IP);
  const store = createClusterStore();
  const dns = service({ name: 'dns', clusterIPs: [SERVICE_IP], ports: [{ name: 'dns', protocol: 'UDP', port }] });
  store.replace({ services: [dns], endpointSlices: slices('dns', 'dns', 'UDP', running) });
  const proxy = new ServiceProxy({ view: store, logger: silentLogger, scheduler: 'rr', udpIdleTimeoutMs, connectTimeoutMs: 500 });
  cleanups.push(() => proxy.stop());
  await proxy.start();
  return { store, proxy, port, dns };
}

describe('ServiceProxy over UDP', () => {
  it('gives each client flow a backend in turn and keeps the flow on it', async () => {
    const { proxy, port } = await proxied(await backends(3));
    const sockets = await clients(6);
    const first: string[] = [];
    for (const socket of sockets) first.push((await udpExchange(socket, SERVICE_IP, port, 'q1')).split(':')[0]!);
    expect(countBy(first)).toEqual({ u1: 2, u2: 2, u3: 2 });
    for (const [i, socket] of sockets.entries()) {
      expect(await udpExchange(socket, SERVICE_IP, port, 'q2')).toBe(`${first[i]}:q2`);
    }
    expect(proxy.stats().get('default/dns')).toEqual({ connections: 6, bytesIn: 24, bytesOut: 24 + 36, errors: 0 });
  });

  it('closes an idle flow, so the client starts a new one', async () => {
    const { proxy, port } = await proxied(await backends(2), 100);
    const [socket] = await clients(1);
    const before = await udpExchange(socket!, SERVICE_IP, port, 'a');
    await sleep(300);
    const after = await udpExchange(socket!, SERVICE_IP, port, 'b');
    expect(proxy.stats().get('default/dns')?.connections).toBe(2);
    expect(after.split(':')[0]).not.toBe(before.split(':')[0]);
  });

  it('drops datagrams when no backend is ready', async () => {
    const { proxy, port } = await proxied([]);
    const [socket] = await clients(1);
    socket!.send('lost', port, SERVICE_IP);
    await eventually(() => proxy.stats().get('default/dns')?.errors === 1, 'the drop to be counted');
    expect(proxy.stats().get('default/dns')?.connections).toBe(0);
  });

  it('replays to the next backend when one refuses', async () => {
    const running = await backends(2);
    running[0]!.close(); // the port is closed now: the kernel answers port unreachable
    const { proxy, port } = await proxied(running);
    const [socket] = await clients(1);
    expect(await udpExchange(socket!, SERVICE_IP, port, 'retry')).toBe('u2:retry');
    expect(proxy.stats().get('default/dns')?.errors).toBe(1);
  });

  it('sends new flows to the new backends after a slice change', async () => {
    const running = await backends(2);
    const { store, port, dns } = await proxied([running[0]!]);
    const [early, late] = await clients(2);
    expect(await udpExchange(early!, SERVICE_IP, port, 'x')).toBe('u1:x');
    store.replace({ services: [dns], endpointSlices: slices('dns', 'dns', 'UDP', [running[1]!]) });
    expect(await udpExchange(late!, SERVICE_IP, port, 'y')).toBe('u2:y');
  });
});
