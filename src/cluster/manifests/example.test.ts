import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClusterStore } from '../store.ts';
import { ManifestSource } from './source.ts';
import { recordingLogger } from './test-helpers.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'examples', 'cluster.yaml');

describe('examples/cluster.yaml', () => {
  it('loads and holds the services the README and Corefile example rely on', async () => {
    const store = createClusterStore();
    const { logger, lines } = recordingLogger();
    const source = new ManifestSource({ paths: [EXAMPLE], logger, watch: false });
    await source.start(store);
    await source.stop();

    expect(store.synced).toBe(true);
    expect([...store.namespaces()].map((n) => n.name).sort()).toEqual(['default', 'kube-system', 'shop']);
    expect(store.service('default', 'kubernetes')?.clusterIPs).toEqual(['10.96.0.1']);
    expect(store.servicesByClusterIP('10.96.0.10').map((s) => `${s.namespace}/${s.name}`)).toEqual(['kube-system/kube-dns']);
    expect(store.service('kube-system', 'kube-dns')?.ports.map((p) => `${p.name}/${p.protocol}`)).toEqual(['dns/UDP', 'dns-tcp/TCP', 'metrics/TCP']);
    expect(store.service('default', 'myservice')?.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9376 }]);
    expect(store.endpointSlices('default', 'myservice').flatMap((s) => s.endpoints)).toHaveLength(3);
    expect(store.service('default', 'database')?.externalName).toBe('db.prod.example.com');
    expect(store.service('shop', 'frontend')?.clusterIPs).toEqual(['10.96.45.12', 'fd00:10:96::2d0c']);
    expect(store.endpointSlices('shop', 'frontend').map((s) => s.addressType).sort()).toEqual(['IPv4', 'IPv6']);

    expect(store.service('default', 'web')?.headless).toBe(true);
    const web = store.endpointSlices('default', 'web').flatMap((s) => s.endpoints);
    expect(web.map((e) => `${e.hostname} ${e.conditions.ready}`)).toEqual(['web-0 true', 'web-1 true', 'web-2 false']);
    expect(store.pod('default', 'web-2')).toMatchObject({ hostname: 'web-2', subdomain: 'web', ready: false });

    const ignored = lines.filter((line) => line.msg === 'manifest object ignored').map((line) => line.kind);
    expect(ignored.sort()).toEqual(['ConfigMap', 'Deployment']);
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
  });
});
