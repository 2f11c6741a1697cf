import type { KubeObject } from './objects.ts';

/** Builders for plausible API objects, as kubectl would show them. */

export function serviceObject(
  namespace: string,
  name: string,
  options: { clusterIP?: string; labels?: Record<string, string>; port?: number } = {},
): KubeObject {
  const clusterIP = options.clusterIP ?? '10.96.0.1';
  return {
    metadata: { namespace, name, labels: options.labels ?? {} },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      ports: [{ name: 'http', protocol: 'TCP', port: options.port ?? 80, targetPort: 8080 }],
      selector: { app: name },
      sessionAffinity: 'None',
    },
  };
}

export function endpointSliceObject(
  namespace: string,
  serviceName: string,
  sliceName: string,
  addresses: readonly string[],
  options: { labels?: Record<string, string> } = {},
): KubeObject {
  return {
    metadata: {
      namespace,
      name: sliceName,
      labels: { 'kubernetes.io/service-name': serviceName, ...options.labels },
    },
    addressType: 'IPv4',
    endpoints: addresses.map((address, i) => ({
      addresses: [address],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace, name: `${serviceName}-${i}` },
    })),
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}

export function podObject(
  namespace: string,
  name: string,
  ip: string,
  options: { phase?: string; labels?: Record<string, string> } = {},
): KubeObject {
  return {
    metadata: { namespace, name, labels: options.labels ?? {} },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'app:1', ports: [{ containerPort: 8080 }] }] },
    status: {
      phase: options.phase ?? 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

export function namespaceObject(name: string, labels: Record<string, string> = {}): KubeObject {
  return { metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

/** A distinct IPv4 address for index `i` inside 10.0.0.0/8 (skips .0). */
export function ipFor(i: number, base = 10): string {
  const n = i + 1;
  return `${base}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}
