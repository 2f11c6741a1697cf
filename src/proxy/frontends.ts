import type { Service, ServicePort } from '../cluster/types.ts';
import { familyOf } from './addresses.ts';
import type { FrontendSpec } from './types.ts';

/** Services the proxy has nothing to do for: ExternalName is DNS only, headless has no address to take. */
export function isProxied(service: Service): boolean {
  return service.type !== 'ExternalName' && !service.headless;
}

/**
 * Every address:port a service port is reachable at through a proxy on this node: each cluster
 * IP, the node port on the node address (NodePort and LoadBalancer, when a node address is set),
 * and each external IP. Whether this host has the address is the caller's question.
 */
export function frontendsFor(service: Service, port: ServicePort, nodeAddress: string | undefined): FrontendSpec[] {
  if (port.protocol === 'SCTP') return [];
  const protocol = port.protocol;
  const spec = (address: string, listenPort: number, kind: FrontendSpec['kind']): FrontendSpec => ({
    key: `${protocol} ${address} ${listenPort}`,
    protocol,
    address,
    port: listenPort,
    family: familyOf(address),
    kind,
  });
  const specs = service.clusterIPs.map((ip) => spec(ip, port.port, 'clusterIP'));
  const exposesNodePort = service.type === 'NodePort' || service.type === 'LoadBalancer';
  if (nodeAddress !== undefined && exposesNodePort && port.nodePort !== undefined) {
    specs.push(spec(nodeAddress, port.nodePort, 'nodePort'));
  }
  for (const ip of service.externalIPs) specs.push(spec(ip, port.port, 'externalIP'));
  return specs;
}
