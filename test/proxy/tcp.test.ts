import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterStore, type ClusterStore } from '../../src/cluster/store.ts';
import type { Service } from '../../src/cluster/types.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { ServiceProxy, type SchedulerName } from '../../src/proxy/index.ts';
import { recordingLogger } from '../../src/test-support/log.ts';
import { freePort } from '../../src/test-support/ports.ts';
import {
  type BackendAt,
  NamedTcpBackend,
  connectNamed,
  countBy,
  service,
  slices,
  whichBackend,
} from '../../src/test-support/proxy.ts';
import { sleep } from '../../src/test-support/wait.ts';

/** This file's service addresses: 127.10.1.0/24, so parallel test files never share one. */
const SERVICE_IP = '127.10.1.1';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function backends(count: number): Promise<NamedTcpBackend[]> {
  const started = await Promise.all(
    Array.from({ length: count }, (_, i) => new NamedTcpBackend(`b${i + 1}`, `127.0.0.${i + 2}`).listen()),
  );
  cleanups.push(() => Promise.all(started.map((b) => b.close().catch(() => {}))));
  return started;
}

interface Setup {
  readonly store: ClusterStore;
  readonly proxy: ServiceProxy;
  readonly port: number;
  readonly web: Service;
}

async function proxied(
  running: readonly BackendAt[],
  options: {
    scheduler?: SchedulerName;
    /** Overrides for the `web` service, given its free port. */
    service?: (port: number) => Partial<Service>;
    logger?: Logger;
    nodeAddress?: string;
    ip?: string;
  } = {},
): Promise<Setup> {
  const ip = options.ip ?? SERVICE_IP;
  const port = await freePort(ip);
  const store = createClusterStore();
  const web = service({ name: 'web', clusterIPs: [ip], ports: [{ name: 'http', protocol: 'TCP', port }], ...options.service?.(port) });
  store.replace({ services: [web], endpointSlices: slices('web', 'http', 'TCP', running) });
  const proxy = new ServiceProxy({
    view: store,
    logger: options.logger ?? silentLogger,
    scheduler: options.scheduler ?? 'rr',
    connectTimeoutMs: 500,
    udpIdleTimeoutMs: 1000,
    ...(options.nodeAddress === undefined ? {} : { nodeAddress: options.nodeAddress }),
  });
  cleanups.push(() => proxy.stop());
  await proxy.start();
  return { store, proxy, port, web };
}

async function sequence(count: number, ip: string, port: number, localAddress?: string): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(await whichBackend(ip, port, localAddress));
  return names;
}

/** How a connection ends when the proxy has nowhere to send it: the error code, or what happened instead. */
function resetOf(ip: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('still open');
    }, 3000);
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed without error');
    });
  });
}

describe('ServiceProxy over TCP', () => {
  it('rr spreads connections evenly and counts them', async () => {
    const { proxy, port } = await proxied(await backends(3));
    const names = await sequence(30, SERVICE_IP, port);
    expect(countBy(names)).toEqual({ b1: 10, b2: 10, b3: 10 });
    const stats = proxy.stats().get('default/web');
    expect(stats?.connections).toBe(30);
    expect(stats?.bytesOut).toBe(30 * 'bX\n'.length);
    expect(stats?.errors).toBe(0);
  });

  it('relays data both ways, half-close included', async () => {
    const { proxy, port } = await proxied(await backends(1));
    const { socket } = await connectNamed(SERVICE_IP, port);
    const echoed = await new Promise<string>((resolve) => {
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.end('hello through the proxy');
    });
    expect(echoed).toBe('hello through the proxy');
    expect(proxy.stats().get('default/web')?.bytesIn).toBe('hello through the proxy'.length);
  });

  it('lc sends new connections to the backend with the fewest open', async () => {
    const { port } = await proxied(await backends(3), { scheduler: 'lc' });
    const held = [await connectNamed(SERVICE_IP, port), await connectNamed(SERVICE_IP, port), await connectNamed(SERVICE_IP, port)];
    cleanups.push(() => held.forEach(({ socket }) => socket.destroy()));
    expect(held.map((c) => c.name).sort()).toEqual(['b1', 'b2', 'b3']);
    const released = held.find((c) => c.name === 'b2')!;
    await new Promise((resolve) => {
      released.socket.on('close', resolve);
      released.socket.end();
      released.socket.resume();
    });
    const next = await connectNamed(SERVICE_IP, port);
    cleanups.push(() => next.socket.destroy());
    expect(next.name).toBe('b2');
  });

  it('sh keeps each client on one backend and spreads clients', async () => {
    const { port } = await proxied(await backends(3), { scheduler: 'sh' });
    const byClient = new Map<string, string[]>();
    for (let i = 5; i < 13; i++) byClient.set(`127.0.0.${i}`, await sequence(3, SERVICE_IP, port, `127.0.0.${i}`));
    for (const names of byClient.values()) expect(new Set(names).size).toBe(1);
    expect(new Set([...byClient.values()].map((names) => names[0])).size).toBeGreaterThan(1);
  });

  it('random reaches every backend', async () => {
    const { port } = await proxied(await backends(3), { scheduler: 'random' });
    // Missing one of three in 45 uniform draws has probability below 1e-7.
    expect(Object.keys(countBy(await sequence(45, SERVICE_IP, port))).sort()).toEqual(['b1', 'b2', 'b3']);
  });

  it('ClientIP affinity sticks a client to its backend until the timeout passes', async () => {
    const { port } = await proxied(await backends(3), {
      service: () => ({ sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 1 }),
    });
    const first = await sequence(4, SERVICE_IP, port, '127.0.0.5');
    const second = await sequence(4, SERVICE_IP, port, '127.0.0.6');
    expect(new Set(first).size).toBe(1);
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    await sleep(1200);
    // Round robin moved on while the affinity held, so a fresh pick lands elsewhere.
    expect(await whichBackend(SERVICE_IP, port, '127.0.0.5')).not.toBe(first[0]);
  });

  it('retries the next backend when one refuses', async () => {
    const running = await backends(3);
    await running[1]!.close();
    const { proxy, port } = await proxied(running);
    const names = await sequence(9, SERVICE_IP, port);
    expect(new Set(names)).toEqual(new Set(['b1', 'b3']));
    expect(proxy.stats().get('default/web')?.errors).toBeGreaterThan(0);
  });

  it('resets clients when no backend is ready or none accepts', async () => {
    const running = await backends(1);
    const { store, port, web } = await proxied([{ address: running[0]!.address, port: running[0]!.port, ready: false }]);
    expect(await resetOf(SERVICE_IP, port)).toBe('ECONNRESET');
    store.replace({ services: [web], endpointSlices: slices('web', 'http', 'TCP', running) });
    expect(await whichBackend(SERVICE_IP, port)).toBe('b1');
    await running[0]!.close();
    expect(await resetOf(SERVICE_IP, port)).toBe('ECONNRESET');
  });

  it('moves new connections when the slices change and lets existing ones finish', async () => {
    const running = await backends(2);
    const { store, port, web } = await proxied([running[0]!]);
    const held = await connectNamed(SERVICE_IP, port);
    cleanups.push(() => held.socket.destroy());
    expect(held.name).toBe('b1');
    store.replace({ services: [web], endpointSlices: slices('web', 'http', 'TCP', [running[1]!]) });
    expect(await sequence(3, SERVICE_IP, port)).toEqual(['b2', 'b2', 'b2']);
    const echoed = await new Promise<string>((resolve) => {
      held.socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      held.socket.write('still here');
    });
    expect(echoed).toBe('still here');
  });

  it('opens and closes listeners as services come and go', async () => {
    const running = await backends(1);
    const { store, proxy, port, web } = await proxied(running);
    const otherIP = '127.10.1.2';
    const otherPort = await freePort(otherIP);
    const other = service({ name: 'other', clusterIPs: [otherIP], ports: [{ name: '', protocol: 'TCP', port: otherPort }] });
    store.replace({ services: [web, other], endpointSlices: [...slices('web', 'http', 'TCP', running), ...slices('other', '', 'TCP', running)] });
    await proxy.settled();
    expect(await whichBackend(otherIP, otherPort)).toBe('b1');
    store.replace({ services: [other], endpointSlices: slices('other', '', 'TCP', running) });
    expect(await resetOf(SERVICE_IP, port)).toBe('ECONNREFUSED');
    expect(await whichBackend(otherIP, otherPort)).toBe('b1');
  });

  it('keeps one listener through a service that flaps while its listener is still opening', async () => {
    const running = await backends(1);
    const { store, proxy, port, web } = await proxied(running);
    const flapIP = '127.10.1.4';
    const flapPort = await freePort(flapIP);
    const flap = service({ name: 'flap', clusterIPs: [flapIP], ports: [{ name: '', protocol: 'TCP', port: flapPort }] });
    const withFlap = { services: [web, flap], endpointSlices: [...slices('web', 'http', 'TCP', running), ...slices('flap', '', 'TCP', running)] };
    const withoutFlap = { services: [web], endpointSlices: slices('web', 'http', 'TCP', running) };
    store.replace(withFlap);
    store.replace(withoutFlap);
    store.replace(withFlap);
    await proxy.settled();
    expect(await whichBackend(flapIP, flapPort)).toBe('b1');
    store.replace(withoutFlap);
    store.replace(withFlap);
    store.replace(withoutFlap);
    await proxy.settled();
    expect(await resetOf(flapIP, flapPort)).toBe('ECONNREFUSED');
    expect(await whichBackend(SERVICE_IP, port)).toBe('b1');
  });

  it('warns once per service port it cannot listen for and serves the others', async () => {
    const running = await backends(1);
    const busyIP = '127.10.1.3';
    const busyPort = await freePort(busyIP);
    const squatter = new NamedTcpBackend('squatter', busyIP);
    await squatter.listen(busyPort);
    cleanups.push(() => squatter.close());
    const { logger, lines } = recordingLogger();
    const { store, proxy, port, web } = await proxied(running, { logger });
    const remote = service({ name: 'remote', clusterIPs: ['10.96.0.10'] });
    const busy = service({ name: 'busy', clusterIPs: [busyIP], ports: [{ name: 'http', protocol: 'TCP', port: busyPort }] });
    for (let round = 0; round < 3; round++) {
      store.replace({
        // New labels each round, so each round syncs both services again.
        services: [web, { ...remote, labels: { round: String(round) } }, { ...busy, labels: { round: String(round) } }],
        endpointSlices: slices('web', 'http', 'TCP', running),
      });
      await proxy.settled();
    }
    expect(await whichBackend(SERVICE_IP, port)).toBe('b1');
    const warnings = lines.filter((line) => line.level === 40).map((line) => [line.service, line.code]);
    expect(warnings.sort()).toEqual([
      ['default/busy', 'EADDRINUSE'],
      ['default/remote', 'ENOTLOCAL'],
    ]);
  });

  it('listens on the node port of the node address and on local external IPs', async () => {
    const running = await backends(1);
    const nodeAddress = '127.10.1.10';
    const externalIP = '127.10.1.11';
    const nodePort = await freePort(nodeAddress);
    const { logger, lines } = recordingLogger();
    const { port } = await proxied(running, {
      nodeAddress,
      logger,
      ip: externalIP,
      service: (port) => ({
        type: 'NodePort',
        clusterIPs: [SERVICE_IP],
        externalIPs: [externalIP, '198.51.100.7'],
        ports: [{ name: 'http', protocol: 'TCP', port, nodePort }],
      }),
    });
    expect(await whichBackend(nodeAddress, nodePort)).toBe('b1');
    expect(await whichBackend(externalIP, port)).toBe('b1');
    expect(await whichBackend(SERVICE_IP, port)).toBe('b1');
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
  });

  it('proxies IPv6 service addresses to IPv6 backends', async () => {
    const backend = await new NamedTcpBackend('v6', '::1').listen();
    cleanups.push(() => backend.close());
    const { port } = await proxied([backend], { ip: '::1' });
    expect(await whichBackend('::1', port)).toBe('v6');
  });
});
