/**
 * The service-discovery code of src/discovery.js against a real cluster DNS server: clusterdns's
 * fixture, started from Kubernetes objects, with no cluster. Pod and service addresses are on
 * loopback (Linux routes all of 127.0.0.0/8 to lo), so a backend can listen at a pod's IP and
 * clusterdns's kubeproxy at a service's cluster IP.
 */
import http from 'node:http';
import { startClusterDns } from 'clusterdns';
import { afterEach, describe, expect, it } from 'vitest';
import { findPeers, getText } from '../src/discovery.js';

/** A StatefulSet-style pod: its hostname and subdomain name it in its headless service. */
function pod(name, ip, labels, { ready = true, subdomain } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { hostname: name, subdomain, containers: [{ name: 'app', image: 'app' }] },
    status: {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

/** A headless service (no cluster IP): its name answers with every ready pod. */
const peersService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'peers', namespace: 'default' },
  spec: {
    clusterIP: 'None',
    selector: { app: 'peers' },
    ports: [{ name: 'gossip', port: 7946, protocol: 'TCP' }],
  },
};

const peerPods = [
  pod('peers-0', '127.0.0.31', { app: 'peers' }, { subdomain: 'peers' }),
  pod('peers-1', '127.0.0.32', { app: 'peers' }, { subdomain: 'peers' }),
  pod('peers-2', '127.0.0.33', { app: 'peers' }, { subdomain: 'peers' }),
];

const peersSrv = { service: 'peers', namespace: 'default', port: 'gossip' };

const cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function clusterDns(manifests) {
  const dns = await startClusterDns({
    manifests,
    port: 0, // a free port on 127.0.0.1, UDP and TCP
    kubeproxy: true,
    readinessProbes: false, // readiness is what the pods' status says
    endpointsController: true, // EndpointSlices computed from selectors and ready pods
    pods: 'insecure',
    clusterDomain: 'cluster.local',
  });
  cleanups.push(() => dns.close());
  return dns;
}

describe('service discovery', () => {
  it("finds a headless service's pods through SRV", async () => {
    const dns = await clusterDns([peersService, ...peerPods]);

    expect(await findPeers(dns.resolver(), peersSrv)).toEqual([
      { name: 'peers-0.peers.default.svc.cluster.local', address: '127.0.0.31', port: 7946 },
      { name: 'peers-1.peers.default.svc.cluster.local', address: '127.0.0.32', port: 7946 },
      { name: 'peers-2.peers.default.svc.cluster.local', address: '127.0.0.33', port: 7946 },
    ]);
  });

  it('drops a pod that goes unready, and finds it again when it is back', async () => {
    const dns = await clusterDns([peersService, ...peerPods]);
    const resolver = dns.resolver();

    // apply() returns once answers reflect the change.
    await dns.apply([pod('peers-1', '127.0.0.32', { app: 'peers' }, { subdomain: 'peers', ready: false })]);
    expect((await findPeers(resolver, peersSrv)).map((peer) => peer.address)).toEqual(['127.0.0.31', '127.0.0.33']);

    await dns.apply([peerPods[1]]);
    expect((await findPeers(resolver, peersSrv)).map((peer) => peer.address)).toEqual(['127.0.0.31', '127.0.0.32', '127.0.0.33']);

    await dns.delete(peerPods);
    expect(await findPeers(resolver, peersSrv)).toEqual([]);
  });

  it("connects to a service by name, through kubeproxy at its cluster IP, to a backend at a pod's IP", async () => {
    // The backend this test runs as the service's pod: at the pod's IP, on a free port.
    const backend = http.createServer((request, response) => response.end(`hello from api-0, ${request.url}`));
    await new Promise((resolve) => backend.listen(0, '127.0.0.34', resolve));
    cleanups.push(() => new Promise((resolve) => backend.close(resolve)));
    const { port: podPort } = backend.address();

    const dns = await clusterDns([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'api', namespace: 'default' },
        spec: {
          clusterIP: '127.10.250.1', // kubeproxy listens here
          selector: { app: 'api' },
          ports: [{ name: 'http', port: 8080, targetPort: podPort, protocol: 'TCP' }],
        },
      },
      pod('api-0', '127.0.0.34', { app: 'api' }),
    ]);

    const resolver = dns.resolver();
    expect(await resolver.resolve4('api.default.svc.cluster.local')).toEqual(['127.10.250.1']);
    expect(await getText(resolver, { name: 'api.default.svc.cluster.local', port: 8080, path: '/orders' })).toBe(
      'hello from api-0, /orders',
    );
  });
});
