import { describe, expect, it } from 'vitest';
import { searchPathExpansion } from './expansion.ts';

const isExpansion = searchPathExpansion(['cluster.local']);

/** What a pod in `namespace` sends for `name` with ndots:5, before the name itself: its ClusterFirst search list. */
function searchTries(name: string, namespace: string): string[] {
  return [`${namespace}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'].map((suffix) => `${name}.${suffix}`);
}

describe('searchPathExpansion', () => {
  it('counts every try of a name of three labels or more, and of a cluster name asked without its final dot', () => {
    expect(searchTries('api.example.com', 'shop').map(isExpansion)).toEqual([true, true, true]);
    expect(searchTries('myservice.default.svc.cluster.local', 'shop').map(isExpansion)).toEqual([true, true, true]);
    expect(searchTries('web-0.web.default.svc.cluster.local', 'default').map(isExpansion)).toEqual([true, true, true]);
  });

  it('counts two of the three tries of a two-label name: `example.com.svc.D` reads as a service', () => {
    expect(searchTries('example.com', 'shop').map(isExpansion)).toEqual([true, false, true]);
  });

  it('leaves the first try of a one-label name alone (it is the name meant), and counts the others', () => {
    expect(searchTries('nosuch', 'shop').map(isExpansion)).toEqual([false, true, true]);
    // `myservice.default` from shop: the first try appends shop's suffix to a qualified name.
    expect(isExpansion('myservice.default.shop.svc.cluster.local')).toBe(true);
  });

  it('leaves names of the Kubernetes schema alone', () => {
    for (const name of [
      'myservice.default.svc.cluster.local',
      '_http._tcp.myservice.default.svc.cluster.local',
      '_http._tcp.default.svc.cluster.local',
      '127-0-0-11.default.pod.cluster.local',
      'cluster.local',
      'svc.cluster.local',
    ]) {
      expect(isExpansion(name), name).toBe(false);
    }
    // The exception, documented: a missing endpoint hostname (three labels) looks like an expansion.
    expect(isExpansion('web-9.web.default.svc.cluster.local')).toBe(true);
  });

  it('leaves names outside the cluster domains alone, and matches a domain on a label boundary only', () => {
    expect(isExpansion('api.example.com')).toBe(false);
    expect(isExpansion('api.example.com.ec2.internal')).toBe(false);
    expect(isExpansion('a.mycluster.local')).toBe(false);
    expect(isExpansion('')).toBe(false);
  });

  it('knows every cluster domain it is given, the longest first', () => {
    const test = searchPathExpansion(['cluster.local', 'inner.cluster.local', '']);
    expect(test('api.example.com.inner.cluster.local')).toBe(true);
    // Under the longer domain, `svc` is the label right under it: a service name.
    expect(test('myservice.default.svc.inner.cluster.local')).toBe(false);
    expect(test('api.example.com')).toBe(false);
  });
});
