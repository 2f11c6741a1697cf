import type { ClusterState, IPFamily, Service, ServicePort } from '../cluster/types.ts';
import { stableHash } from './hash.ts';
import { type CIDR, formatIP, parseCIDR, parseIP } from './ip.ts';
import { type BandRule, type Pool, type Span, probe, splitAtBand, staticBandSize } from './pool.ts';
import { ControllerConfigError, type ControllerResult, type ControllerWarning } from './types.ts';

export interface AllocationOptions {
  /**
   * Blocks to take cluster IPs from. Services get one address from the family of the first block
   * (Kubernetes' default SingleStack policy); further blocks of that family extend the pool.
   */
  readonly serviceCIDRs: readonly string[];
  /** Inclusive; Kubernetes' default is 30000-32767. */
  readonly nodePortRange?: readonly [number, number];
}

export const DEFAULT_NODE_PORT_RANGE: readonly [number, number] = [30000, 32767];

const CLUSTER_IP_BAND: BandRule = { min: 16n, max: 256n, step: 16n };
const NODE_PORT_BAND: BandRule = { min: 16n, max: 128n, step: 32n };

/** The options turned into pools, once. */
export interface AllocationPlan {
  /** The family services get addresses from; undefined when no block is configured. */
  readonly family: IPFamily | undefined;
  readonly addresses: Pool;
  /** The first address of the first block: Kubernetes gives it to the `kubernetes` service. */
  readonly firstAddress: bigint | undefined;
  readonly addressRanges: string;
  readonly nodePorts: Pool;
  readonly nodePortRange: string;
}

/** Validates the options and builds the pools; throws ControllerConfigError. */
export function planAllocation(options: AllocationOptions): AllocationPlan {
  const cidrs = options.serviceCIDRs.map((text, i) => parseCIDR(text, `serviceCIDRs[${i}]`));
  const family = cidrs[0]?.family;
  const used = cidrs.filter((cidr) => cidr.family === family);
  const splits = used.map((cidr) => splitAtBand(usableAddresses(cidr), staticBandSize(cidr.size, CLUSTER_IP_BAND)));
  const first = used[0] === undefined ? undefined : usableAddresses(used[0]);
  const [low, high] = nodePortRange(options.nodePortRange ?? DEFAULT_NODE_PORT_RANGE);
  const portCount = BigInt(high - low + 1);
  const ports = splitAtBand({ first: BigInt(low), size: portCount }, staticBandSize(portCount, NODE_PORT_BAND));
  return {
    family,
    addresses: { preferred: splits.map((split) => split.preferred), fallback: splits.map((split) => split.fallback) },
    firstAddress: first !== undefined && first.size > 0n ? first.first : undefined,
    addressRanges: used.map((cidr) => cidr.text).join(', '),
    nodePorts: { preferred: [ports.preferred], fallback: [ports.fallback] },
    nodePortRange: `${low}-${high}`,
  };
}

/** All of the block but the network address and, for IPv4, the broadcast address. */
function usableAddresses(cidr: CIDR): Span {
  const excluded = cidr.family === 'IPv4' ? 2n : 1n;
  return { first: cidr.base + 1n, size: cidr.size > excluded ? cidr.size - excluded : 0n };
}

function nodePortRange(range: readonly [number, number]): readonly [number, number] {
  const [low, high] = range;
  const valid = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;
  if (!valid(low) || !valid(high) || low > high) {
    throw new ControllerConfigError('nodePortRange', `expected two ports low <= high within 1-65535, got ${low}-${high}`);
  }
  return range;
}

/**
 * Gives every Service that lacks them a cluster IP and node ports, as the API server would, but
 * deterministically: each starts probing at a hash of its namespace/name, and services are served in
 * sorted order, so the same manifests yield the same addresses on every start whatever their order.
 * Addresses and ports written anywhere in the state are never handed out. A service the pool cannot
 * serve is left as it is, with a warning.
 */
export function allocateServiceAddresses(state: ClusterState, options: AllocationOptions): ControllerResult {
  return allocateWithPlan(state, planAllocation(options));
}

export function allocateWithPlan(state: ClusterState, plan: AllocationPlan): ControllerResult {
  const takenAddresses = addressesInUse(state, plan.family);
  const takenPorts = nodePortsInUse(state);
  const warnings: ControllerWarning[] = [];
  const services = [...state.services];
  let changed = false;
  for (const index of allocationOrder(services)) {
    const original = services[index] as Service;
    let service = original;
    if (needsClusterIP(service)) {
      const address = allocateClusterIP(service, plan, takenAddresses);
      if (address === undefined) warnings.push(exhaustedAddresses(service, plan));
      else service = { ...service, clusterIPs: [address] };
    }
    if (service.type === 'NodePort' || service.type === 'LoadBalancer') {
      const ports = allocateNodePorts(service, plan, takenPorts, warnings);
      if (ports !== service.ports) service = { ...service, ports };
    }
    if (service !== original) {
      services[index] = service;
      changed = true;
    }
  }
  return { state: changed ? { ...state, services } : state, warnings };
}

function needsClusterIP(service: Service): boolean {
  return service.clusterIPs.length === 0 && !service.headless && service.type !== 'ExternalName';
}

function isKubernetesService(service: Service): boolean {
  return service.namespace === 'default' && service.name === 'kubernetes';
}

/** Sorted by namespace/name, with `kubernetes` first so nothing else can take its address. */
function allocationOrder(services: readonly Service[]): number[] {
  const key = (service: Service): string => (isKubernetesService(service) ? '' : `${service.namespace}/${service.name}`);
  const keys = services.map(key);
  return services
    .map((_, index) => index)
    .sort((a, b) => {
      const ka = keys[a] as string;
      const kb = keys[b] as string;
      return ka < kb ? -1 : ka > kb ? 1 : a - b;
    });
}

function addressesInUse(state: ClusterState, family: IPFamily | undefined): Set<bigint> {
  const taken = new Set<bigint>();
  const add = (text: string): void => {
    const ip = parseIP(text);
    if (ip !== null && ip.family === family) taken.add(ip.value);
  };
  for (const service of state.services) {
    service.clusterIPs.forEach(add);
    service.externalIPs.forEach(add);
  }
  for (const pod of state.pods) pod.ips.forEach(add);
  for (const slice of state.endpointSlices) {
    for (const endpoint of slice.endpoints) endpoint.addresses.forEach(add);
  }
  return taken;
}

function nodePortsInUse(state: ClusterState): Set<bigint> {
  const taken = new Set<bigint>();
  for (const service of state.services) {
    for (const port of service.ports) if (port.nodePort !== undefined) taken.add(BigInt(port.nodePort));
  }
  return taken;
}

function allocateClusterIP(service: Service, plan: AllocationPlan, taken: Set<bigint>): string | undefined {
  if (plan.family === undefined) return undefined;
  const isFree = (value: bigint): boolean => !taken.has(value);
  const first = plan.firstAddress;
  const value =
    isKubernetesService(service) && first !== undefined && isFree(first)
      ? first
      : probe(plan.addresses, stableHash(`${service.namespace}/${service.name}`), isFree, taken.size + 1);
  if (value === undefined) return undefined;
  taken.add(value);
  return formatIP({ family: plan.family, value });
}

/**
 * Ports sharing a port number (53/UDP and 53/TCP) share a node port, as the API server does; a
 * node port given for one of them is reused for the others.
 */
function allocateNodePorts(
  service: Service,
  plan: AllocationPlan,
  taken: Set<bigint>,
  warnings: ControllerWarning[],
): readonly ServicePort[] {
  const byPortNumber = new Map<number, number>();
  for (const port of service.ports) {
    if (port.nodePort !== undefined && !byPortNumber.has(port.port)) byPortNumber.set(port.port, port.nodePort);
  }
  let changed = false;
  const ports = service.ports.map((port) => {
    if (port.nodePort !== undefined) return port;
    let nodePort = byPortNumber.get(port.port);
    if (nodePort === undefined) {
      const key = stableHash(`${service.namespace}/${service.name}:${port.port}`);
      const found = probe(plan.nodePorts, key, (value) => !taken.has(value), taken.size + 1);
      if (found === undefined) {
        warnings.push(exhaustedNodePorts(service, port, plan));
        return port;
      }
      taken.add(found);
      nodePort = Number(found);
      byPortNumber.set(port.port, nodePort);
    }
    changed = true;
    return { ...port, nodePort };
  });
  return changed ? ports : service.ports;
}

function exhaustedAddresses(service: Service, plan: AllocationPlan): ControllerWarning {
  const why = plan.family === undefined ? 'no service CIDR is configured' : `no free address is left in ${plan.addressRanges}`;
  return {
    code: 'cluster-ip-exhausted',
    kind: 'Service',
    namespace: service.namespace,
    name: service.name,
    message: `Service ${service.namespace}/${service.name} got no cluster IP: ${why}`,
  };
}

function exhaustedNodePorts(service: Service, port: ServicePort, plan: AllocationPlan): ControllerWarning {
  const which = port.name === '' ? `port ${port.port}/${port.protocol}` : `port ${port.name} (${port.port}/${port.protocol})`;
  return {
    code: 'node-port-exhausted',
    kind: 'Service',
    namespace: service.namespace,
    name: service.name,
    message: `Service ${service.namespace}/${service.name} ${which} got no node port: ${plan.nodePortRange} is full`,
  };
}
