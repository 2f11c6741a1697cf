/**
 * The synthetic cluster as Kubernetes objects, in one multi-document YAML file: Namespaces,
 * Services and discovery.k8s.io/v1 EndpointSlices. Services have no selector, so the slices
 * written here are the whole truth (no controller would derive others from pods).
 */
import { stringify } from 'yaml';
import type { BenchCluster, BenchService } from './model.ts';

const MANAGED_BY = 'bench.clusterdns.local';

function namespaceObject(name: string): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

function serviceObject(service: BenchService): object {
  const metadata = { name: service.name, namespace: service.namespace, labels: { app: service.name } };
  if (service.kind === 'ExternalName') {
    return { apiVersion: 'v1', kind: 'Service', metadata, spec: { type: 'ExternalName', externalName: service.externalName } };
  }
  const clusterIP = service.kind === 'Headless' ? 'None' : service.clusterIP!;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: service.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: p.targetPort })),
    },
  };
}

function endpointSliceObject(service: BenchService, suffix: string): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service.name}-${suffix}`,
      namespace: service.namespace,
      labels: { 'kubernetes.io/service-name': service.name, 'endpointslice.kubernetes.io/managed-by': MANAGED_BY },
    },
    addressType: 'IPv4',
    ports: service.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.targetPort })),
    endpoints: service.endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.hostname ? { hostname: e.hostname } : {}),
      conditions: { ready: true, serving: true, terminating: false },
    })),
  };
}

export function clusterObjects(cluster: BenchCluster): object[] {
  const objects: object[] = cluster.namespaces.map(namespaceObject);
  cluster.services.forEach((service, i) => {
    objects.push(serviceObject(service));
    if (service.endpoints.length > 0) objects.push(endpointSliceObject(service, i.toString(36).padStart(5, '0')));
  });
  return objects;
}

export function renderManifests(cluster: BenchCluster, header: string): string {
  const documents = clusterObjects(cluster).map((o) => stringify(o, { lineWidth: 0 }));
  return `# ${header}\n${documents.join('---\n')}`;
}
