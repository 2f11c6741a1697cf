import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pod, ReadinessProbe } from '../cluster/types.ts';
import { silentLogger } from '../log.ts';
import { pod as clusterPod, state } from '../test-support/cluster.ts';
import { Prober } from './prober.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A TCP server counting the connections (probes) it accepted. */
async function counted(address = '127.0.0.8'): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen({ host: address, port: 0 }, resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as { port: number }).port, accepted: () => accepted };
}

function tcpProbe(port: number | string, overrides: Partial<ReadinessProbe> = {}): ReadinessProbe {
  return {
    action: { kind: 'tcpSocket', port },
    initialDelaySeconds: 0,
    periodSeconds: 1,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 1,
    ...overrides,
  };
}

/** A pod at an address the probes can reach. */
function pod(name: string, overrides: Partial<Pod> = {}): Pod {
  return clusterPod({ name, ips: ['127.0.0.8'], ...overrides });
}

function prober(): { prober: Prober; flips: [string, boolean][]; flipped: (count: number) => Promise<void> } {
  const flips: [string, boolean][] = [];
  const waiters: (() => void)[] = [];
  const instance = new Prober({
    logger: silentLogger,
    onChange: (key, ready) => {
      flips.push([key, ready]);
      for (const wake of waiters.splice(0)) wake();
    },
  });
  cleanups.push(() => instance.stop());
  const flipped = async (count: number): Promise<void> => {
    // Each wait is bounded by the test timeout; every loop iteration needs a new flip.
    while (flips.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { prober: instance, flips, flipped };
}

describe('Prober', () => {
  it('holds probed pods not ready until their probe succeeds, and leaves others alone', async () => {
    const { port } = await counted();
    const { prober: p, flips, flipped } = prober();
    const plain = pod('plain');
    const probed = pod('probed', { readinessProbe: tcpProbe(port) });
    const addressless = pod('addressless', { ips: [], readinessProbe: tcpProbe(port) });
    const input = state({ pods: [plain, probed, addressless] });
    p.update(input.pods);
    const before = p.applyReadiness(input);
    expect(before.pods.map((x) => [x.name, x.ready])).toEqual([['plain', true], ['probed', false], ['addressless', false]]);
    expect(before.pods[0]).toBe(plain);
    await flipped(1);
    expect(flips).toEqual([['default/probed', true]]);
    expect(p.applyReadiness(input).pods.map((x) => x.ready)).toEqual([true, true, false]);
    expect(p.readiness('default', 'addressless')).toBeUndefined();
  });

  it('needs successThreshold successes in a row', async () => {
    const server = await counted();
    const { prober: p, flipped } = prober();
    p.update([pod('web', { readinessProbe: tcpProbe(server.port, { successThreshold: 2 }) })]);
    await flipped(1);
    expect(server.accepted()).toBe(2);
  });

  it('resolves a named port and turns not ready when the port stops accepting', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.8', port: 0 }, resolve));
    cleanups.push(() => server.listening && new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as { port: number }).port;
    const { prober: p, flips, flipped } = prober();
    p.update([pod('web', { containerPorts: [{ name: 'http', containerPort: port, protocol: 'TCP' }], readinessProbe: tcpProbe('http') })]);
    await flipped(1);
    await new Promise((resolve) => server.close(resolve));
    await flipped(2);
    expect(flips).toEqual([['default/web', true], ['default/web', false]]);
    expect(p.readiness('default', 'web')).toBe(false);
  });

  it('stops the loops of pods that went away and restarts those whose probe changed', async () => {
    const { port } = await counted();
    const { prober: p, flipped } = prober();
    const web = pod('web', { readinessProbe: tcpProbe(port) });
    p.update([web]);
    await flipped(1);
    p.update([web]);
    expect(p.readiness('default', 'web')).toBe(true);
    p.update([{ ...web, readinessProbe: tcpProbe(port, { timeoutSeconds: 2 }) }]);
    expect(p.readiness('default', 'web')).toBe(false);
    await flipped(2);
    p.update([]);
    expect(p.readiness('default', 'web')).toBeUndefined();
  });

  it('starts nothing once stopped', async () => {
    const { port } = await counted();
    const { prober: p } = prober();
    p.stop();
    p.update([pod('web', { readinessProbe: tcpProbe(port) })]);
    expect(p.readiness('default', 'web')).toBeUndefined();
  });
});
