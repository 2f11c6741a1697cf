/**
 * For the kubernetes plugin's tests: a fixture cluster shaped like the one CoreDNS's
 * handler_test.go serves, options with CoreDNS's defaults, and records in presentation format so
 * tables read like CoreDNS's.
 */
import { createClusterStore, type ClusterStore } from '../cluster/store.ts';
import type { Endpoint, EndpointSlice, Namespace, Pod, Service, ServicePort } from '../cluster/types.ts';
import { typeName } from '../dns/constants.ts';
import type { ResourceRecord } from '../dns/types.ts';
import type { AnswerOptions } from '../plugins/kubernetes/options.ts';
import { pod as clusterPod, service as clusterService, slice as clusterSlice } from './cluster.ts';

/** Builders in the argument order CoreDNS's tests use, over the defaults of cluster.ts's. */
export function service(namespace: string, name: string, fields: Partial<Service> = {}): Service {
  return clusterService({ namespace, name, clusterIPs: [], ports: [{ name: 'http', protocol: 'TCP', port: 80 }], ...fields });
}

export function headless(namespace: string, name: string, ports: ServicePort[] = []): Service {
  return service(namespace, name, { headless: true, ports });
}

export function endpoint(address: string, fields: Partial<Endpoint> = {}): Endpoint {
  return { addresses: [address], conditions: { ready: true, serving: true, terminating: false }, ...fields };
}

export function notReady(address: string): Endpoint {
  return endpoint(address, { conditions: { ready: false, serving: false, terminating: true } });
}

export function slice(
  namespace: string,
  name: string,
  serviceName: string,
  endpoints: Endpoint[],
  fields: Partial<EndpointSlice> = {},
): EndpointSlice {
  const v6 = endpoints.some((e) => e.addresses.some((a) => a.includes(':')));
  return clusterSlice({
    namespace,
    name,
    serviceName,
    addressType: v6 ? 'IPv6' : 'IPv4',
    endpoints,
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    labels: { 'kubernetes.io/service-name': serviceName },
    ...fields,
  });
}

export function pod(namespace: string, name: string, ips: string[], fields: Partial<Pod> = {}): Pod {
  return clusterPod({ namespace, name, ips, ...fields });
}

/** The cluster of CoreDNS's handler tests, with distinct addresses so PTR answers are unambiguous. */
export function fixtureCluster(): ClusterStore {
  const store = createClusterStore();
  store.replace({
    namespaces: ['testns', 'kube-system', 'podns', 'unexposedns', 'labelled'].map((name): Namespace => ({
      name,
      labels: name === 'labelled' ? { team: 'dns' } : {},
    })),
    services: [
      service('kube-system', 'kube-dns', { clusterIPs: ['10.0.0.10'], ports: [{ name: 'dns', protocol: 'UDP', port: 53 }] }),
      service('testns', 'svc1', { clusterIPs: ['10.0.0.1'], labels: { tier: 'web' } }),
      service('testns', 'svcempty', { clusterIPs: ['10.0.0.5'] }),
      service('testns', 'svc6', { clusterIPs: ['1234:abcd::1'] }),
      service('testns', 'svc-dual-stack', { clusterIPs: ['10.0.0.3', '10::3'] }),
      service('testns', 'multiport', {
        clusterIPs: ['10.0.0.6'],
        ports: [
          { name: 'http', protocol: 'TCP', port: 80 },
          { name: 'https', protocol: 'TCP', port: 443 },
          { name: 'dns', protocol: 'UDP', port: 53 },
        ],
      }),
      service('testns', 'portless', { clusterIPs: ['10.0.0.7'], ports: [] }),
      headless('testns', 'hdls1'),
      headless('testns', 'hdlsprtls'),
      headless('testns', 'hdlsnone'),
      service('testns', 'external', { type: 'ExternalName', externalName: 'ext.interwebs.test', ports: [] }),
      service('testns', 'external-to-service', { type: 'ExternalName', externalName: 'svc1.testns.svc.cluster.local.' }),
      service('testns', 'external-to-missing', { type: 'ExternalName', externalName: 'nope.testns.svc.cluster.local' }),
      service('testns', 'external-ip', { type: 'ExternalName', externalName: '1.2.3.4' }),
      service('unexposedns', 'svc1', { clusterIPs: ['10.0.0.2'] }),
      service('labelled', 'svc2', { clusterIPs: ['10.0.0.8'] }),
    ],
    endpointSlices: [
      slice('kube-system', 'kube-dns-a', 'kube-dns', [endpoint('172.0.0.100')], { ports: [{ name: 'dns', protocol: 'UDP', port: 53 }] }),
      slice('testns', 'svc1-a', 'svc1', [endpoint('172.0.0.1', { hostname: 'ep1a' })]),
      slice('testns', 'svcempty-a', 'svcempty', [notReady('172.0.0.50')]),
      slice('testns', 'hdls1-a', 'hdls1', [
        endpoint('172.0.0.2'),
        endpoint('172.0.0.3', { targetRef: { kind: 'Pod', namespace: 'testns', name: 'hdls1-pod-3' } }),
        endpoint('172.0.0.4', { hostname: 'dup-name' }),
        endpoint('172.0.0.5', { hostname: 'dup-name' }),
        notReady('172.0.0.9'),
      ]),
      slice('testns', 'hdls1-b', 'hdls1', [endpoint('5678:abcd::1'), endpoint('5678:abcd::2')]),
      slice('testns', 'hdlsprtls-a', 'hdlsprtls', [endpoint('172.0.0.20')], { ports: [] }),
      slice('testns', 'hdlsnone-a', 'hdlsnone', [notReady('172.0.0.30')]),
    ],
    pods: [
      pod('podns', 'foo', ['10.240.0.1', 'fd00::1']),
      pod('podns', 'done', ['10.240.0.2'], { phase: 'Succeeded' }),
      pod('podns', 'going', ['10.240.0.3'], { terminating: true }),
    ],
  });
  store.markSynced();
  return store;
}

export function answerOptions(overrides: Partial<AnswerOptions> = {}): AnswerOptions {
  return {
    zones: ['cluster.local'],
    primaryZone: 'cluster.local',
    namespaces: new Set(),
    labels: null,
    namespaceLabels: null,
    pods: 'disabled',
    endpointPodNames: false,
    zonal: false,
    multicluster: [],
    ttl: 5,
    noEndpoints: false,
    ignoreEmptyService: false,
    fallthrough: null,
    localIPs: [],
    ...overrides,
  };
}

function fqdn(name: string): string {
  return `${name}.`;
}

/** A record as CoreDNS's tests write it: `name. ttl IN TYPE rdata`. */
export function present(record: ResourceRecord): string {
  const head = `${fqdn(record.name)} ${record.ttl} IN ${typeName(record.type)}`;
  switch (record.type) {
    case 1:
    case 28:
      return `${head} ${record.address}`;
    case 5:
    case 12:
    case 2:
      return `${head} ${fqdn(record.target)}`;
    case 33:
      return `${head} ${record.priority} ${record.weight} ${record.port} ${fqdn(record.target)}`;
    case 16:
      return `${head} ${record.text.map((t) => JSON.stringify(t)).join(' ')}`;
    case 6:
      return `${head} ${fqdn(record.mname)} ${fqdn(record.rname)} ${record.serial} ${record.refresh} ${record.retry} ${record.expire} ${record.minimum}`;
    default:
      return `${head} ?`;
  }
}

export function presentAll(records: readonly ResourceRecord[]): string[] {
  return records.map(present).sort();
}
