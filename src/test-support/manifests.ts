/** Kubernetes objects as a test of the programmatic fixture writes them (plain API objects, not store shapes). */

type KubeObject = Record<string, unknown>;

export interface ServiceSpec {
  readonly namespace?: string;
  readonly selector?: Record<string, string>;
  readonly clusterIP?: string;
  readonly ports?: readonly { name?: string; port: number; targetPort?: number; protocol?: string }[];
}

export function serviceObject(name: string, spec: ServiceSpec = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: spec.namespace ?? 'default' },
    spec: {
      selector: spec.selector ?? { app: name },
      ...(spec.clusterIP !== undefined && { clusterIP: spec.clusterIP }),
      ports: spec.ports ?? [{ name: 'http', port: 80 }],
    },
  };
}

export interface PodSpec {
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly ready?: boolean;
  readonly hostname?: string;
  readonly subdomain?: string;
  readonly containerPorts?: readonly { name?: string; containerPort: number }[];
  readonly readinessProbe?: Record<string, unknown>;
}

export function podObject(name: string, ip: string, spec: PodSpec = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: spec.namespace ?? 'default', labels: spec.labels ?? {} },
    spec: {
      ...(spec.hostname !== undefined && { hostname: spec.hostname }),
      ...(spec.subdomain !== undefined && { subdomain: spec.subdomain }),
      containers: [
        {
          name: 'main',
          ports: spec.containerPorts ?? [],
          ...(spec.readinessProbe !== undefined && { readinessProbe: spec.readinessProbe }),
        },
      ],
    },
    status: {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: spec.ready === false ? 'False' : 'True' }],
    },
  };
}
