/**
 * How long KubeApiSource takes to sync a large cluster from the fake API server, and how much heap
 * the synced store holds. The server runs in a child process so its memory is not counted.
 *
 *   npx node --expose-gc scripts/scale-watch.ts [--services=10000] [--endpoints=5] [--pods=50000] [--page-size=500]
 *
 * `--endpoints` is per service (one EndpointSlice each): the defaults give 50k endpoints.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeApiSource } from '../src/cluster/kube/index.ts';
import { createClusterStore } from '../src/cluster/store.ts';
import { silentLogger } from '../src/log.ts';
import { FakeApiServer, endpointSliceObject, ipFor, podObject, serviceObject } from '../test/fake-apiserver/index.ts';

interface Sizes {
  readonly services: number;
  readonly endpoints: number;
  readonly pods: number;
}

interface Ready {
  readonly kubeconfig: string;
  readonly seedMs: number;
}

const NAMESPACES = 50;

/** The child: a fake API server holding the cluster, until the parent says stop. */
async function serve(sizes: Sizes): Promise<void> {
  const started = Date.now();
  const server = new FakeApiServer({ historyLimit: 1000 });
  await server.start();
  for (let i = 0; i < sizes.services; i++) {
    const namespace = `ns-${i % NAMESPACES}`;
    const name = `svc-${i}`;
    server.upsert('service', serviceObject(namespace, name, { clusterIP: ipFor(i, 10) }));
    const addresses = Array.from({ length: sizes.endpoints }, (_, e) => ipFor(i * sizes.endpoints + e, 11));
    server.upsert('endpointslice', endpointSliceObject(namespace, name, `${name}-abcde`, addresses));
  }
  for (let i = 0; i < sizes.pods; i++) {
    server.upsert('pod', podObject(`ns-${i % NAMESPACES}`, `pod-${i}`, ipFor(i, 11), { labels: { app: `svc-${i % sizes.services}` } }));
  }
  const dir = await mkdtemp(join(tmpdir(), 'scale-watch-'));
  const kubeconfig = await server.writeKubeconfig(dir);
  process.send?.({ kubeconfig, seedMs: Date.now() - started } satisfies Ready);
  process.once('message', () => {
    void server.stop().then(() => rm(dir, { recursive: true, force: true })).then(() => process.exit(0));
  });
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** The parent: syncs from the child's server and measures. */
async function measure(sizes: Sizes, pageSize: number): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc) {
    throw new Error('run with --expose-gc: npx node --expose-gc scripts/scale-watch.ts');
  }
  const child = fork(import.meta.filename, ['--serve', `--services=${sizes.services}`, `--endpoints=${sizes.endpoints}`, `--pods=${sizes.pods}`], {
    execArgv: [],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ready));
    child.once('exit', (code) => reject(new Error(`fake API server exited with ${code}`)));
  });
  const store = createClusterStore();
  const baseline = heapMiB();
  const source = new KubeApiSource({
    connection: { kubeconfig: { path: ready.kubeconfig } },
    watchPods: sizes.pods > 0,
    watchNamespaces: false,
    logger: silentLogger,
    pageSize,
  });
  const started = performance.now();
  await source.start(store);
  await source.onSynced;
  const syncMs = performance.now() - started;
  const synced = heapMiB();
  await source.stop();
  child.send('stop');

  let endpoints = 0;
  let slices = 0;
  for (const service of store.services()) {
    for (const slice of store.endpointSlices(service.namespace, service.name)) {
      slices++;
      endpoints += slice.endpoints.length;
    }
  }
  const pods = [...store.pods()].length;
  const services = [...store.services()].length;
  console.log(`cluster: ${services} services, ${slices} EndpointSlices (${endpoints} endpoints), ${pods} pods; page size ${pageSize}`);
  console.log(`fake API server seeded in ${ready.seedMs} ms (child process)`);
  console.log(`sync (list over HTTPS, convert, store): ${syncMs.toFixed(0)} ms`);
  console.log(`heap used after gc: ${synced.toFixed(1)} MiB synced, ${baseline.toFixed(1)} MiB before, store ≈ ${(synced - baseline).toFixed(1)} MiB`);
  console.log(`rss: ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB`);
}

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    services: { type: 'string', default: '10000' },
    endpoints: { type: 'string', default: '5' },
    pods: { type: 'string', default: '50000' },
    'page-size': { type: 'string', default: '500' },
  },
});
const sizes: Sizes = { services: Number(values.services), endpoints: Number(values.endpoints), pods: Number(values.pods) };
if (values.serve) await serve(sizes);
else await measure(sizes, Number(values['page-size']));
