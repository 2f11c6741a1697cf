import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MYAPP_BACKENDS } from '../../examples/backend.ts';
import { canBindPortsBelow1024 } from '../../examples/privileges.ts';
import { dig } from '../../src/test-support/dig.ts';
import { RunningExample, answeringBackends, eventually, httpGet } from './harness.ts';

/** What the walk-through in README.md promises. */
const DNS_PORT = 1053;
const CLUSTER_IP = '127.10.0.80';
const KUBE_DNS_IP = '127.10.0.10';
const SERVICE = 'myservice.default.svc.cluster.local';
const SERVICE_URL = `http://${CLUSTER_IP}/`;
const EVERY_BACKEND = MYAPP_BACKENDS.map(({ name, address }) => `${name} (${address})`).sort();
/** The proxy's listeners: myservice, myservice-lb, kubernetes, and kube-dns's three ports. */
const LISTENERS = 6;
/** A round robin over three backends shows each of them in any four requests in a row. */
const ROUND = 4;
/** Well above periodSeconds x failureThreshold (2 s), for a machine shared with other test runs. */
const ROTATION_TIMEOUT_MS = 15_000;

const [failing] = MYAPP_BACKENDS;
const failingName = `${failing!.name} (${failing!.address})`;
const failingUrl = (path: string): string => `http://${failing!.address}:${failing!.port}${path}`;
const failingEndpoint = `${failing!.address.replaceAll('.', '-')}.${SERVICE}`;

async function distinct(url: string, count: number): Promise<string[]> {
  return [...new Set(await answeringBackends(url, count))].sort();
}

// The service ports are 80 and 53: without the right to bind them the proxy cannot run the example.
describe.skipIf(canBindPortsBelow1024() !== true)('npm start (examples/run.ts) end to end', () => {
  let example: RunningExample;

  beforeAll(async () => {
    example = new RunningExample();
    await example.waitForStdout(`.:${DNS_PORT} on 127.0.0.1`);
    // The myapp pods are not ready until their first probe has passed.
    await eventually(async () => (await distinct(SERVICE_URL, ROUND)).join() === EVERY_BACKEND.join(), 'all three backends in rotation');
  }, 40_000);

  afterAll(async () => {
    await example?.stop();
  }, 20_000);

  it('starts without a warning, every service address listening', () => {
    const lines = example.logLines();
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    expect(example.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(lines.find((line) => line.msg === 'service proxy started')).toMatchObject({ listeners: LISTENERS });
  });

  it('answers myservice with its cluster IP, SRV and PTR, also asked through kube-dns', async () => {
    const a = await dig(SERVICE, { port: DNS_PORT });
    expect(a.status).toBe('NOERROR');
    expect(a.answer.map((record) => `${record.type} ${record.data}`)).toEqual([`A ${CLUSTER_IP}`]);

    const srv = await dig(`_http._tcp.${SERVICE}`, { port: DNS_PORT, type: 'SRV' });
    expect(srv.answer.map((record) => record.data)).toEqual([`0 100 80 ${SERVICE}.`]);

    const ptr = await dig(CLUSTER_IP.split('.').reverse().join('.') + '.in-addr.arpa', { port: DNS_PORT, type: 'PTR' });
    expect(ptr.answer.map((record) => record.data)).toEqual([`${SERVICE}.`]);

    const viaKubeDns = await dig(SERVICE, { port: 53, server: KUBE_DNS_IP, tcp: false });
    expect(viaKubeDns.answer.map((record) => record.data)).toEqual([CLUSTER_IP]);
    const viaKubeDnsTcp = await dig(SERVICE, { port: 53, server: KUBE_DNS_IP, tcp: true });
    expect(viaKubeDnsTcp.answer.map((record) => record.data)).toEqual([CLUSTER_IP]);
  });

  it("answers myservice-lb's load balancer address under example.org (k8s_external)", async () => {
    const external = await dig('myservice-lb.default.example.org', { port: DNS_PORT });
    expect(external.answer.map((record) => `${record.type} ${record.data}`)).toEqual(['A 192.0.2.80']);
  });

  it('answers the ServiceImport of myservice under clusterset.local (multicluster)', async () => {
    const imported = await dig('myservice.default.svc.clusterset.local', { port: DNS_PORT });
    expect(imported.answer.map((record) => `${record.type} ${record.data}`)).toEqual(['A 127.10.100.80']);
  });

  it('answers the headless StatefulSet without its not-ready pod', async () => {
    const web = await dig('web.default.svc.cluster.local', { port: DNS_PORT });
    expect(web.answer.map((record) => record.data).sort()).toEqual(['10.244.1.10', '10.244.2.11']);
    expect((await dig('web-2.web.default.svc.cluster.local', { port: DNS_PORT })).status).toBe('NXDOMAIN');
    expect((await dig('web-0.web.default.svc.cluster.local', { port: DNS_PORT })).answer.map((record) => record.data)).toEqual(['10.244.1.10']);
  });

  it('spreads connections to the cluster IP over the three backends', async () => {
    const answers = await answeringBackends(SERVICE_URL, 3 * EVERY_BACKEND.length);
    expect([...new Set(answers)].sort()).toEqual(EVERY_BACKEND);
  });

  it('takes a backend failing its readiness probe out of rotation and back when it recovers', async () => {
    expect((await dig(failingEndpoint, { port: DNS_PORT })).status).toBe('NOERROR');
    expect(await httpGet(failingUrl('/fail'))).toMatchObject({ status: 200 });
    expect(await httpGet(failingUrl('/healthz'))).toMatchObject({ status: 500 });
    try {
      await eventually(async () => !(await answeringBackends(SERVICE_URL, ROUND)).includes(failingName), 'the failing backend to leave', ROTATION_TIMEOUT_MS);
      expect(await distinct(SERVICE_URL, ROUND)).toEqual(EVERY_BACKEND.filter((name) => name !== failingName));
      expect((await dig(failingEndpoint, { port: DNS_PORT })).status).toBe('NXDOMAIN');
    } finally {
      await httpGet(failingUrl('/recover'));
    }
    await eventually(async () => (await answeringBackends(SERVICE_URL, ROUND)).includes(failingName), 'the backend to return', ROTATION_TIMEOUT_MS);
    expect((await dig(failingEndpoint, { port: DNS_PORT })).status).toBe('NOERROR');
  });

  it('stops on SIGTERM with status 0, its backends with it', async () => {
    expect(await example.stop()).toBe(0);
    await expect(httpGet(failingUrl('/healthz'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
