import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { NamedTcpBackend, whichBackend } from '../../src/test-support/proxy.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { eventually } from '../../src/test-support/wait.ts';

/** This file's addresses: pods on 127.0.0.41-42, the service on 127.10.41.1. */
const SERVICE_IP = '127.10.41.1';
const PODS = [
  { name: 'web-1', ip: '127.0.0.41' },
  { name: 'web-2', ip: '127.0.0.42' },
];

function manifest(servicePort: number, backendPort: number, labels: Record<string, string>, extra = ''): string {
  const pods = PODS.map(
    (pod) => `---
apiVersion: v1
kind: Pod
metadata: { name: ${pod.name}, namespace: default, labels: { app: ${labels[pod.name]} } }
spec:
  containers: [{ name: web, image: web, ports: [{ name: http, containerPort: ${backendPort} }] }]
status:
  phase: Running
  podIP: ${pod.ip}
  conditions: [{ type: Ready, status: "True" }]
`,
  );
  return `apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  clusterIP: ${SERVICE_IP}
  selector: { app: web }
  ports: [{ name: http, port: ${servicePort}, targetPort: http }]
${pods.join('')}${extra}`;
}

/**
 * Self-contained mode end to end: a manifest edit reaches DNS answers (dig) and the service proxy's
 * traffic within a second, through the real server, the embedded endpoints controller and kubeproxy.
 */
describe('editing a manifest while the server runs', () => {
  let dir: string;
  let path: string;
  let server: TestServer;
  let servicePort: number;
  const backends = PODS.map((pod) => new NamedTcpBackend(pod.name, pod.ip));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterdns-edit-'));
    path = join(dir, 'cluster.yaml');
    const backendPort = await freePort(PODS[0]!.ip);
    for (const backend of backends) await backend.listen(backendPort);
    servicePort = await freePort(SERVICE_IP);
    await writeFile(path, manifest(servicePort, backendPort, { 'web-1': 'web', 'web-2': 'web' }));
    server = await startTestServer(`cluster.local {
      kubernetes {
        manifests ${path}
      }
      kubeproxy
    }`);
  });

  afterAll(async () => {
    await server?.stop();
    for (const backend of backends) await backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  const answers = async (name: string): Promise<string> => {
    const result = await dig(name, { port: server.port });
    return `${result.status} ${result.answer.map((r) => r.data).join(',')}`;
  };

  it('follows a relabelled pod and a new service in DNS and in proxied traffic', async () => {
    expect(await answers('web.default.svc.cluster.local')).toBe(`NOERROR ${SERVICE_IP}`);
    expect(await answers('127-0-0-42.web.default.svc.cluster.local')).toBe('NOERROR 127.0.0.42');
    await eventually(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(await whichBackend(SERVICE_IP, servicePort));
      return seen.size === 2;
    }, 'traffic reaches both pods');

    const backendPort = backends[0]!.port;
    const extra = `---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec:
  clusterIP: 127.10.41.2
  ports: [{ port: 80 }]
`;
    await writeFile(path, manifest(servicePort, backendPort, { 'web-1': 'web', 'web-2': 'other' }, extra));
    await eventually(
      async () => (await answers('127-0-0-42.web.default.svc.cluster.local')).startsWith('NXDOMAIN'),
      'the relabelled pod leaves the service',
      1500,
    );
    expect(await answers('api.default.svc.cluster.local')).toBe('NOERROR 127.10.41.2');
    for (let i = 0; i < 6; i++) expect(await whichBackend(SERVICE_IP, servicePort)).toBe('web-1');
  });
});
