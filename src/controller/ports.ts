import type { EndpointPort, Pod, Service, ServicePort } from '../cluster/types.ts';

/**
 * The container port a service port sends to on this pod: the number itself, or the pod's port of
 * that name and the same protocol. undefined when the pod has no such named port.
 */
export function findTargetPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  for (const port of pod.containerPorts) {
    if (port.name === target && port.protocol === servicePort.protocol) return port.containerPort;
  }
  return undefined;
}

/**
 * The ports an endpoint slice holding this pod carries. A port the pod cannot resolve is left out
 * rather than the pod, so pods that resolve differently end up in differently-ported slices.
 */
export function endpointPortsFor(service: Service, pod: Pod): EndpointPort[] {
  const ports: EndpointPort[] = [];
  for (const servicePort of service.ports) {
    const port = findTargetPort(pod, servicePort);
    if (port !== undefined) ports.push({ name: servicePort.name, protocol: servicePort.protocol, port });
  }
  return ports;
}

/** Identifies a port mapping; slices group endpoints by it. */
export function portMapKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify(ports.map((port) => [port.name, port.protocol, port.port]));
}
