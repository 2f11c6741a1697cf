/** Host facts the benchmark needs: CPU pinning and the layouts built on it, free ports, a description of the machine. */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import os from 'node:os';
import { commandExists } from './processes.ts';

export interface Pinning {
  /** Command prefix for servers (`taskset -c 0`), empty when not pinned. */
  readonly server: readonly string[];
  /** Command prefix for the load generator (`taskset -c 1`). */
  readonly load: readonly string[];
  readonly describe: string;
}

/** Server on CPU 0, dnsperf on CPU 1, so neither steals the other's core; needs taskset and 2 cores. */
async function detectPinning(): Promise<Pinning> {
  const cores = os.availableParallelism();
  if (cores >= 2 && (await commandExists('taskset'))) {
    return { server: ['taskset', '-c', '0'], load: ['taskset', '-c', '1'], describe: 'server on CPU 0, dnsperf on CPU 1 (taskset)' };
  }
  return { server: [], load: [], describe: cores < 2 ? 'not pinned (1 core)' : 'not pinned (no taskset)' };
}

export const LAYOUT_NAMES = ['split', 'shared'] as const;
export type LayoutName = (typeof LAYOUT_NAMES)[number];

/** dnsperf's load: -c, -T, -q and -t. */
export interface DnsperfSettings {
  readonly clients: number;
  readonly threads: number;
  readonly maxOutstanding: number;
  readonly timeoutSeconds: number;
}

export function dnsperfFlags(settings: DnsperfSettings): string[] {
  return ['-c', String(settings.clients), '-T', String(settings.threads), '-q', String(settings.maxOutstanding), '-t', String(settings.timeoutSeconds)];
}

/** Where the servers and dnsperf run, and how hard dnsperf pushes. */
export interface Layout {
  readonly name: LayoutName;
  readonly pinning: Pinning;
  /**
   * Threads a server answers on: the CPUs its pinning leaves it. clusterdns's default thread
   * count follows them by itself; the floor is told, so both get the same share of the host.
   */
  readonly serverThreads: number;
  readonly dnsperf: DnsperfSettings;
}

/**
 * `split`: a core for the server and one for dnsperf, so neither takes the other's.
 * `shared`: nothing pinned, so a server answering on several threads can use every core, with
 * dnsperf competing for them.
 */
export async function detectLayout(name: LayoutName): Promise<Layout> {
  const cores = os.availableParallelism();
  if (name === 'split') {
    const pinning = await detectPinning();
    return { name, pinning, serverThreads: pinning.server.length > 0 ? 1 : cores, dnsperf: { clients: 4, threads: 1, maxOutstanding: 100, timeoutSeconds: 2 } };
  }
  return {
    name,
    pinning: { server: [], load: [], describe: 'nothing pinned' },
    serverThreads: cores,
    // The kernel picks a server's SO_REUSEPORT socket per client flow: 4 flows can all land on one thread.
    dnsperf: { clients: 16, threads: 1, maxOutstanding: 100, timeoutSeconds: 2 },
  };
}

export class NoFreePortError extends Error {
  readonly attempts: number;
  constructor(attempts: number) {
    super(`no 127.0.0.1 port free for both TCP and UDP in ${attempts} attempts`);
    this.name = 'NoFreePortError';
    this.attempts = attempts;
  }
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/**
 * A 127.0.0.1 port free for both TCP and UDP (a DNS server binds both), found by letting the
 * kernel pick a TCP port. Another process could take it before the server binds: the server's
 * start-up check catches that.
 */
export async function findFreePort(): Promise<number> {
  const attempts = 20;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(chosen));
      });
    });
    if (port > 0 && (await udpPortFree(port))) return port;
  }
  throw new NoFreePortError(attempts);
}

export function hostDescription(): { cpus: number; model: string; kernel: string; node: string } {
  return {
    cpus: os.availableParallelism(),
    model: os.cpus()[0]?.model ?? 'unknown',
    kernel: os.release(),
    node: process.version,
  };
}
