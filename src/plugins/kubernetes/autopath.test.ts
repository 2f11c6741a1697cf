import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClusterStore } from '../../cluster/store.ts';
import { RRType } from '../../dns/constants.ts';
import { pod } from '../../test-support/kubernetes.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { createAutoPather, searchFromResolvConf } from './autopath.ts';

function store() {
  const cluster = createClusterStore();
  cluster.replace({
    pods: [pod('shop', 'web-1', ['10.244.1.5', 'fd00::5']), pod('default', 'second-ip', ['10.244.9.9', '10.244.1.6'])],
  });
  cluster.markSynced();
  return cluster;
}

function pathFor(ip: string, name = 'x.shop.svc.cluster.local', pods: 'verified' | 'insecure' = 'verified', zones = ['cluster.local', 'in-addr.arpa']) {
  const pather = createAutoPather(store(), zones, pods, ['corp.example']);
  return pather.autoPath(requestFor(queryFor(name, RRType.A), { remoteAddress: ip }));
}

describe('the kubernetes search path for autopath', () => {
  it("gives a pod's ClusterFirst search list, the server's own search domains, then the bare name", () => {
    expect(pathFor('10.244.1.5')).toEqual(['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', '']);
  });

  it('uses the zone the query falls in, the longest match', () => {
    expect(pathFor('10.244.1.5', 'x.svc.sub.cluster.local', 'verified', ['cluster.local', 'sub.cluster.local'])?.[0]).toBe('shop.svc.sub.cluster.local');
  });

  it('gives nothing for a query outside the zones, a client that is no pod, or without pods verified', () => {
    expect(pathFor('10.244.1.5', 'example.com')).toBeNull();
    expect(pathFor('192.0.2.1')).toBeNull();
    expect(pathFor('10.244.1.5', undefined, 'insecure')).toBeNull();
  });

  it('finds pods by their first address only, as CoreDNS indexes status.podIP', () => {
    expect(pathFor('10.244.1.6')).toBeNull();
    expect(pathFor('fd00::5')).toBeNull();
    expect(pathFor('10.244.9.9')?.[0]).toBe('default.svc.cluster.local');
  });

  it("reads the server's own search domains from a resolv.conf, none when it cannot", () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterdns-autopath-'));
    try {
      const path = join(dir, 'resolv.conf');
      writeFileSync(path, 'search Corp.Example. lab.example\n');
      expect(searchFromResolvConf(path)).toEqual(['corp.example', 'lab.example']);
      expect(searchFromResolvConf(join(dir, 'missing'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
