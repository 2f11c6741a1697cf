import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { randomLoopbackAddress, startDnsmasq, type Dnsmasq } from '../../src/test-support/upstream.ts';
import { httpGet, sample } from '../ops/http.ts';

const manifests = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');

/**
 * The Corefile kubeadm installs, written compressed (one-line and mixed blocks), which the server
 * runs unchanged. A test cannot take :53, :8080, :8181 and :9153, nor reach the cluster API or the
 * machine's resolv.conf: `adapt` swaps in free ports, a resolv.conf naming a dnsmasq on loopback,
 * and the example manifests as the cluster.
 */
const KUBEADM_COREFILE = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'test-support', 'kubeadm-compressed.Corefile'), 'utf8');

interface Ports {
  readonly dns: number;
  readonly health: number;
  readonly ready: number;
  readonly metrics: number;
}

function adapt(corefile: string, ports: Ports, resolvConf: string): string {
  const replacements: [string, string][] = [
    ['.:53 {', `.:${ports.dns} {`],
    ['    health {', `    health 127.0.0.1:${ports.health} {`],
    ['    ready\n', `    ready 127.0.0.1:${ports.ready}\n`],
    ['       pods insecure', `       manifests ${manifests}\n       pods insecure`],
    ['prometheus :9153', `prometheus 127.0.0.1:${ports.metrics}`],
    ['/etc/resolv.conf', resolvConf],
  ];
  let adapted = corefile;
  for (const [from, to] of replacements) {
    if (!adapted.includes(from)) throw new Error(`the kubeadm Corefile has no '${from}'`);
    adapted = adapted.replace(from, to);
  }
  return adapted;
}

describe('the kubeadm default Corefile, forwarding to a dnsmasq named in resolv.conf', () => {
  let dir: string;
  let dnsmasq: Dnsmasq;
  let server: TestServer;
  let ports: Ports;
  let upstream: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-kubeadm-'));
    const host = randomLoopbackAddress();
    upstream = `${host}:53`;
    dnsmasq = await startDnsmasq(
      ['address=/example.test/192.0.2.53', 'ptr-record=1.2.0.192.in-addr.arpa,gateway.example.test', 'host-record=cached.example.test,192.0.2.77', 'local-ttl=60'],
      { host, port: 53 },
    );
    const resolvConf = join(dir, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${host}\n`);
    ports = { dns: await freePort(), health: await freePort(), ready: await freePort(), metrics: await freePort() };
    server = await startTestServer(adapt(KUBEADM_COREFILE, ports, resolvConf));
  });
  afterAll(async () => {
    await server?.stop();
    await dnsmasq?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The cluster IP the example manifests give the kubernetes service. */
  async function kubernetesServiceIp(): Promise<string> {
    const cluster = await dig('kubernetes.default.svc.cluster.local', { port: ports.dns });
    expect(cluster.status).toBe('NOERROR');
    expect(cluster.flags).toContain('aa');
    expect(cluster.answer).toHaveLength(1);
    return cluster.answer[0]!.data;
  }

  it('answers cluster names from the kubernetes plugin and the rest through forward', async () => {
    expect(await kubernetesServiceIp()).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const external = await dig('www.example.test', { port: ports.dns });
    expect(external.status).toBe('NOERROR');
    expect(external.answer.map((record) => record.data)).toEqual(['192.0.2.53']);
  });

  it('answers reverse names of the cluster itself and falls through to forward for the others', async () => {
    const reverse = `${(await kubernetesServiceIp()).split('.').reverse().join('.')}.in-addr.arpa`;
    const cluster = await dig(reverse, { port: ports.dns, type: 'PTR' });
    expect(cluster.answer.map((record) => record.data)).toEqual(['kubernetes.default.svc.cluster.local.']);
    const outside = await dig('1.2.0.192.in-addr.arpa', { port: ports.dns, type: 'PTR' });
    expect(outside.answer.map((record) => record.data)).toEqual(['gateway.example.test.']);
  });

  it('caches forwarded answers: a repeated question reaches the upstream once', async () => {
    const count = async (): Promise<number> =>
      sample((await httpGet(ports.metrics, '/metrics')).body, 'coredns_proxy_request_duration_seconds_count', {
        proxy_name: 'forward',
        to: upstream,
        rcode: 'NOERROR',
      }) ?? 0;
    const before = await count();
    for (let i = 0; i < 3; i++) {
      expect((await dig('cached.example.test', { port: ports.dns })).answer.map((record) => record.data)).toEqual(['192.0.2.77']);
    }
    expect(await count()).toBe(before + 1);
  });

  it('is healthy and ready, and the loop probe found no loop', async () => {
    expect(await httpGet(ports.health, '/health')).toMatchObject({ status: 200 });
    expect(await httpGet(ports.ready, '/ready')).toMatchObject({ status: 200 });
    expect(server.lines.filter((line) => line.includes('[FATAL]'))).toEqual([]);
  });
});
