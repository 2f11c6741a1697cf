/**
 * The fake API server for one size, in a child process so that neither its memory nor its CPU
 * on the main thread is mixed with the parent's. It seeds the cluster (objects.ts), writes a
 * kubeconfig into the directory it is given, reports, and serves until SIGTERM.
 *
 * Parent side: `startApiServer`. Child side: this file run as a script.
 */
import { FakeApiServer } from '../../test/fake-apiserver/index.ts';
import { startProcess, type LongRunning } from '../bench/processes.ts';
import { clusterObjects, type ClusterLayout, type SeedKind } from './objects.ts';

export interface ApiServerReady {
  readonly kubeconfig: string;
  /** Building and storing every object, ms. */
  readonly seedMs: number;
  readonly objects: Readonly<Record<SeedKind, number>>;
  /** Mean JSON size of an object as listed, per kind (from a sample), bytes. */
  readonly meanBytes: Readonly<Record<SeedKind, number>>;
  /** The child's RSS once seeded, bytes. */
  readonly rssBytes: number;
}

export interface ApiServer extends LongRunning {
  readonly ready: ApiServerReady;
}

const SAMPLE_PER_KIND = 200;
/** Seeding 70k real-sized objects takes ~1.3 GB of heap; leave room whatever the host's default. */
const CHILD_HEAP_MB = 6144;

async function serve(layout: ClusterLayout, dir: string): Promise<void> {
  const started = performance.now();
  const server = new FakeApiServer({ historyLimit: 1000 });
  await server.start();
  const objects: Record<SeedKind, number> = { namespace: 0, service: 0, endpointslice: 0, pod: 0 };
  const bytes: Record<SeedKind, number> = { namespace: 0, service: 0, endpointslice: 0, pod: 0 };
  for (const { kind, object } of clusterObjects(layout)) {
    if (objects[kind] < SAMPLE_PER_KIND) bytes[kind] += JSON.stringify(object).length;
    objects[kind]++;
    server.upsert(kind, object, { adopt: true });
  }
  const seedMs = performance.now() - started;
  const kubeconfig = await server.writeKubeconfig(dir);
  const meanBytes = Object.fromEntries(
    Object.entries(bytes).map(([kind, total]) => [kind, Math.round(total / Math.max(1, Math.min(SAMPLE_PER_KIND, objects[kind as SeedKind])))]),
  ) as Record<SeedKind, number>;
  const ready: ApiServerReady = { kubeconfig, seedMs, objects, meanBytes, rssBytes: process.memoryUsage().rss };
  process.send?.(ready);
  const stop = (): void => void server.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

/** Starts the child, waits until it has seeded (at most `timeoutMs`) and returns it running. */
export async function startApiServer(layout: ClusterLayout, dir: string, timeoutMs: number): Promise<ApiServer> {
  const running = startProcess(process.execPath, [`--max-old-space-size=${CHILD_HEAP_MB}`, import.meta.filename, JSON.stringify({ layout, dir })], {
    cwd: process.cwd(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // The child is stopped by the parent; this only guards against a parent that died oddly.
    deadlineMs: 60 * 60 * 1000,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = await new Promise<ApiServerReady>((resolve, reject) => {
      running.child.once('message', (message) => resolve(message as ApiServerReady));
      running.child.once('exit', (code, signal) => reject(new Error(`fake API server exited (${signal ?? code}) before it was ready`)));
      timer = setTimeout(() => reject(new Error(`fake API server not seeded within ${timeoutMs} ms`)), timeoutMs);
    });
    // Nothing more is said over IPC; the channel must not keep the parent alive.
    running.child.channel?.unref();
    return { ...running, ready };
  } catch (error) {
    await running.stop(1000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

if (import.meta.main) {
  const { layout, dir } = JSON.parse(process.argv[2] ?? '{}') as { layout: ClusterLayout; dir: string };
  await serve(layout, dir);
}

