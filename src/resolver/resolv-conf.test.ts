import { describe, expect, it } from 'vitest';
import { RRType } from '../dns/constants.ts';
import { formatRecord } from './format.ts';
import { parseResolvConf, podSearch, renderPodResolvConf, searchFromHostname } from './resolv-conf.ts';
import { parseServerAddress } from './transport.ts';

describe('parseResolvConf', () => {
  it('reads nameservers, the search list and options, with glibc defaults', () => {
    expect(parseResolvConf('')).toEqual({ nameservers: [], search: null, ndots: 1, attempts: 2, timeout: 5, useTcp: false, noTldQuery: false });
    const conf = parseResolvConf(
      '# comment\n; another\nnameserver 10.96.0.10\nnameserver ::1\nsearch Default.svc.cluster.local. svc.cluster.local cluster.local\noptions ndots:5 timeout:2 attempts:3 use-vc\n',
    );
    expect(conf).toEqual({
      nameservers: ['10.96.0.10', '::1'],
      search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      ndots: 5,
      attempts: 3,
      timeout: 2,
      useTcp: true,
      noTldQuery: false,
    });
  });

  it('keeps the last of domain and search, at most three nameservers, and clamps options as glibc', () => {
    const conf = parseResolvConf(
      'search a.org b.org\ndomain c.org\nnameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\nnameserver 4.4.4.4\noptions ndots:99 attempts:9 timeout:99 no-tld-query\nsearchx d.org\n',
    );
    expect(conf).toMatchObject({ search: ['c.org'], nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'], ndots: 15, attempts: 5, timeout: 30, noTldQuery: true });
    expect(parseResolvConf('options ndots:x attempts:0 timeout:0').ndots).toBe(0);
  });

  it('takes the host name\'s domain when resolv.conf has no search list', () => {
    expect(searchFromHostname('node1.Example.org')).toEqual(['example.org']);
    expect(searchFromHostname('node1')).toEqual([]);
  });
});

describe('the kubelet resolv.conf of a ClusterFirst pod', () => {
  it('lists the namespace, svc and cluster domains, the cluster DNS, ndots:5', () => {
    expect(renderPodResolvConf({ namespace: 'shop', clusterDomain: 'cluster.local', nameservers: ['10.96.0.10'] })).toBe(
      'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
    expect(podSearch('default', 'Corp.Example.')).toEqual(['default.svc.corp.example', 'svc.corp.example', 'corp.example']);
    expect(parseResolvConf(renderPodResolvConf({ namespace: 'a', clusterDomain: 'c.l', nameservers: ['10.0.0.10'] }))).toMatchObject({
      search: ['a.svc.c.l', 'svc.c.l', 'c.l'],
      nameservers: ['10.0.0.10'],
      ndots: 5,
    });
  });
});

describe('resolver helpers', () => {
  it('reads server addresses with and without ports', () => {
    expect(parseServerAddress('127.0.0.1:1053')).toEqual({ host: '127.0.0.1', port: 1053 });
    expect(parseServerAddress('10.96.0.10')).toEqual({ host: '10.96.0.10', port: 53 });
    expect(parseServerAddress('[::1]:5353')).toEqual({ host: '::1', port: 5353 });
    expect(parseServerAddress('fd00::10')).toEqual({ host: 'fd00::10', port: 53 });
    expect(() => parseServerAddress('localhost:53')).toThrow(/not a server address/);
    expect(() => parseServerAddress('1.2.3.4:99999')).toThrow(/not a server address/);
  });

  it('prints records as dig does', () => {
    expect(formatRecord({ name: 'a.example', type: RRType.A, class: 1, ttl: 5, address: '10.0.0.1' })).toBe('a.example.\t5\tIN\tA\t10.0.0.1');
    expect(formatRecord({ name: '_http._tcp.s', type: RRType.SRV, ttl: 5, priority: 0, weight: 100, port: 80, target: 's.ns' })).toBe(
      '_http._tcp.s.\t5\tIN\tSRV\t0 100 80 s.ns.',
    );
    expect(formatRecord({ name: 't', type: RRType.TXT, ttl: 0, text: ['a "b"', 'c\\'] })).toBe('t.\t0\tIN\tTXT\t"a \\"b\\"" "c\\\\"');
    expect(formatRecord({ name: 'u', type: 65280, class: 1, ttl: 1, data: Buffer.from([1, 2]) })).toBe('u.\t1\tIN\tTYPE65280\t\\# 2 0102');
  });
});
