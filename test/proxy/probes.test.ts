import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterStore, type ClusterStore } from '../../src/cluster/store.ts';
import { selfContainedTransform } from '../../src/controller/index.ts';
import { silentLogger } from '../../src/log.ts';
import { ProbingManifestSource } from '../../src/prober/index.ts';
import { ServiceProxy } from '../../src/proxy/index.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { NamedTcpBackend, whichBackend } from '../../src/test-support/proxy.ts';
import { eventually } from '../../src/test-support/wait.ts';

/** This file's service addresses: 127.10.3.0/24. */
const SERVICE_CIDR = '127.10.3.0/24';
const SERVICE_IP = '127.10.3.1';
const PERIOD_SECONDS = 1;
const FAILURE_THRESHOLD = 2;
/** The most a dead backend may take to leave the slices, with room for a busy machine to refresh. */
const REMOVAL_BOUND_MS = PERIOD_SECONDS * FAILURE_THRESHOLD * 1000 + 1000;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function serviceYaml(port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  clusterIP: ${SERVICE_IP}
  selector: { app: web }
  ports: [{ name: http, port: ${port}, targetPort: http }]
`;
}

function podYaml(name: string, ip: string, port: number, probe: string): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default, labels: { app: web } }
spec:
  containers:
    - name: app
      image: app
      ports: [{ name: http, containerPort: ${port} }]
      readinessProbe:
        ${probe}
        periodSeconds: ${PERIOD_SECONDS}
        failureThreshold: ${FAILURE_THRESHOLD}
status:
  phase: Running
  podIP: ${ip}
  conditions: [{ type: Ready, status: "True" }]
`;
}

/** The ready endpoint addresses the controller computed for default/web. */
function readyAddresses(store: ClusterStore): string[] {
  return store
    .endpointSlices('default', 'web')
    .flatMap((slice) => slice.endpoints)
    .filter((endpoint) => endpoint.conditions.ready)
    .map((endpoint) => endpoint.addresses[0]!)
    .sort();
}

interface Started {
  readonly store: ClusterStore;
  readonly port: number;
  /** Ready endpoints right after the first load, before any probe could have answered. */
  readonly readyAtLoad: string[];
}

async function start(manifests: string): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'clusterdns-probes-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'cluster.yaml');
  await writeFile(file, manifests);
  const store = createClusterStore();
  const source = new ProbingManifestSource({
    paths: [file],
    logger: silentLogger,
    watch: false,
    transform: selfContainedTransform({ logger: silentLogger, serviceCIDRs: [SERVICE_CIDR] }),
  });
  await source.start(store);
  cleanups.push(() => source.stop());
  const readyAtLoad = readyAddresses(store);
  const proxy = new ServiceProxy({ view: store, logger: silentLogger, connectTimeoutMs: 500 });
  await proxy.start();
  cleanups.push(() => proxy.stop());
  return { store, port: store.service('default', 'web')!.ports[0]!.port, readyAtLoad };
}

describe('probed manifests behind the proxy', () => {
  it('takes a killed TCP backend out within period x failureThreshold and back when it returns', async () => {
    const a = await new NamedTcpBackend('a', '127.0.0.2').listen();
    const b = await new NamedTcpBackend('b', '127.0.0.3').listen();
    cleanups.push(() => Promise.all([a.close().catch(() => {}), b.close().catch(() => {})]));
    const servicePort = await freePort(SERVICE_IP);
    const tcp = 'tcpSocket: { port: http }';
    const { store, port, readyAtLoad } = await start(
      [serviceYaml(servicePort), podYaml('web-a', a.address, a.port, tcp), podYaml('web-b', b.address, b.port, tcp)].join('---\n'),
    );
    expect(port).toBe(servicePort);
    // A probed pod is not ready until its probe has passed, whatever its manifest says.
    expect(readyAtLoad).toEqual([]);
    await eventually(() => readyAddresses(store).length === 2, 'both pods to pass their probes');
    expect(new Set([await whichBackend(SERVICE_IP, port), await whichBackend(SERVICE_IP, port)])).toEqual(new Set(['a', 'b']));

    await a.close();
    await eventually(() => readyAddresses(store).join() === '127.0.0.3', 'the dead backend to leave the slices', REMOVAL_BOUND_MS);
    expect([await whichBackend(SERVICE_IP, port), await whichBackend(SERVICE_IP, port)]).toEqual(['b', 'b']);

    await a.listen(a.port);
    await eventually(() => readyAddresses(store).length === 2, 'the revived backend to return');
  });

  it('follows an HTTP readiness endpoint from 500 to 200 and back', async () => {
    let status = 500;
    let requests = 0;
    const server = createHttpServer((_request, response) => {
      requests++;
      response.writeHead(status);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.4', port: 0 }, resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const backendPort = (server.address() as { port: number }).port;
    const { store } = await start(
      [serviceYaml(await freePort(SERVICE_IP)), podYaml('web-h', '127.0.0.4', backendPort, 'httpGet: { port: http, path: /ready }')].join('---\n'),
    );
    await eventually(() => requests >= 2, 'two probes answered 500');
    expect(readyAddresses(store)).toEqual([]);
    status = 200;
    await eventually(() => readyAddresses(store).join() === '127.0.0.4', 'the pod to turn ready');
    status = 500;
    await eventually(() => readyAddresses(store).length === 0, 'the pod to turn not ready', REMOVAL_BOUND_MS);
  });
});
