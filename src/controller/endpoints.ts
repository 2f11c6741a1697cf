import type {
  ClusterState,
  Endpoint,
  EndpointPort,
  EndpointSlice,
  IPFamily,
  Labels,
  Pod,
  Service,
} from '../cluster/types.ts';
import { nameSuffix } from './hash.ts';
import { endpointPortsFor, portMapKey } from './ports.ts';
import { ControllerConfigError, type ControllerResult, type ControllerWarning } from './types.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

const RESERVED_LABELS = new Set([SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]);
const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];
/** Generated names are at most 63 characters: a 58-character prefix and a 5-character suffix. */
const MAX_PREFIX_LENGTH = 58;
/** Far more rehashes than a namespace with fewer than millions of slices can ever need. */
const MAX_NAME_ATTEMPTS = 1000;

export interface EndpointSliceOptions {
  /** Kubernetes' --max-endpoints-per-slice, 100 by default. */
  readonly maxEndpointsPerSlice?: number;
}

/**
 * Does what Kubernetes' EndpointSlice controller does for a whole state at once: every Service with
 * a selector gets slices built from the matching pods of its namespace, replacing any slices the
 * input had for it (with a warning each). Services without a selector (an empty one counts as none,
 * the API cannot tell them apart) and ExternalName services keep whatever slices they were given.
 * Slices the input had for other services come first, as given; the generated ones follow, their
 * names and order depending only on the input's content, never on its order.
 */
export function computeEndpointSlices(state: ClusterState, options: EndpointSliceOptions = {}): ControllerResult {
  const maxPerSlice = maxEndpointsPerSlice(options);
  const managed = state.services.filter(isManaged).sort(byNamespacedName);
  const managedKeys = new Set(managed.map((service) => `${service.namespace}/${service.name}`));
  const warnings: ControllerWarning[] = [];
  const kept: EndpointSlice[] = [];
  for (const slice of state.endpointSlices) {
    if (managedKeys.has(`${slice.namespace}/${slice.serviceName}`)) warnings.push(replacedWarning(slice));
    else kept.push(slice);
  }
  const names = new SliceNames(kept);
  const podsByNamespace = groupByNamespace(state.pods);
  const generated: EndpointSlice[] = [];
  for (const service of managed) {
    const pods = (podsByNamespace.get(service.namespace) ?? []).filter((pod) => selects(service, pod) && canServe(pod));
    generated.push(...slicesForService(service, pods, maxPerSlice, names));
  }
  return { state: { ...state, endpointSlices: [...kept, ...generated] }, warnings };
}

/** The effective limit; throws ControllerConfigError outside Kubernetes' accepted 1-1000. */
export function maxEndpointsPerSlice(options: EndpointSliceOptions): number {
  const value = options.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new ControllerConfigError('maxEndpointsPerSlice', `expected an integer from 1 to 1000, got ${value}`);
  }
  return value;
}

function isManaged(service: Service): boolean {
  return service.type !== 'ExternalName' && service.selector !== null && Object.keys(service.selector).length > 0;
}

function byNamespacedName(a: { namespace: string; name: string }, b: { namespace: string; name: string }): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function groupByNamespace(pods: readonly Pod[]): Map<string, Pod[]> {
  const byNamespace = new Map<string, Pod[]>();
  for (const pod of [...pods].sort(byNamespacedName)) {
    const list = byNamespace.get(pod.namespace);
    if (list) list.push(pod);
    else byNamespace.set(pod.namespace, [pod]);
  }
  return byNamespace;
}

function selects(service: Service, pod: Pod): boolean {
  const selector = service.selector as Labels;
  for (const key of Object.keys(selector)) {
    if (!Object.hasOwn(pod.labels, key) || pod.labels[key] !== selector[key]) return false;
  }
  return true;
}

/** Finished pods and pods without an address never serve; terminating ones still appear. */
function canServe(pod: Pod): boolean {
  return pod.phase !== 'Succeeded' && pod.phase !== 'Failed' && pod.ips.length > 0;
}

/**
 * A service's address families: those of its cluster IPs, or both when it has none (headless),
 * as the controller does when a Service carries no ipFamilies.
 */
function serviceFamilies(service: Service): ReadonlySet<IPFamily> {
  if (service.headless || service.clusterIPs.length === 0) return new Set(FAMILIES);
  return new Set(service.clusterIPs.map(familyOf));
}

function familyOf(ip: string): IPFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

interface PortGroup {
  readonly ports: readonly EndpointPort[];
  readonly endpoints: Endpoint[];
}

function slicesForService(service: Service, pods: readonly Pod[], maxPerSlice: number, names: SliceNames): EndpointSlice[] {
  const families = serviceFamilies(service);
  const labels = sliceLabels(service);
  const portsByPod = pods.map((pod) => endpointPortsFor(service, pod));
  const slices: EndpointSlice[] = [];
  for (const family of FAMILIES) {
    if (!families.has(family)) continue;
    const groups = new Map<string, PortGroup>();
    pods.forEach((pod, i) => {
      const addresses = pod.ips.filter((ip) => familyOf(ip) === family);
      if (addresses.length === 0) return;
      const ports = portsByPod[i] as EndpointPort[];
      const key = portMapKey(ports);
      let group = groups.get(key);
      if (!group) {
        group = { ports, endpoints: [] };
        groups.set(key, group);
      }
      group.endpoints.push(toEndpoint(service, pod, addresses));
    });
    const slice = (identity: string, ports: readonly EndpointPort[], endpoints: readonly Endpoint[]): EndpointSlice => ({
      namespace: service.namespace,
      name: names.claim(service, `${family}/${identity}`),
      serviceName: service.name,
      addressType: family,
      endpoints,
      ports,
      labels,
    });
    if (groups.size === 0) {
      // Kubernetes keeps one empty "placeholder" slice per family when nothing else would exist.
      slices.push(slice('placeholder', [], []));
      continue;
    }
    for (const [key, group] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (let start = 0; start < group.endpoints.length; start += maxPerSlice) {
        slices.push(slice(`${key}/${start / maxPerSlice}`, group.ports, group.endpoints.slice(start, start + maxPerSlice)));
      }
    }
  }
  return slices;
}

function toEndpoint(service: Service, pod: Pod, addresses: readonly string[]): Endpoint {
  const serving = pod.ready;
  // A terminating pod is never "ready", unless the service publishes not-ready addresses anyway.
  const ready = service.publishNotReadyAddresses || (serving && !pod.terminating);
  const hostname = pod.hostname !== undefined && pod.hostname !== '' && pod.subdomain === service.name ? pod.hostname : undefined;
  return {
    addresses,
    conditions: { ready, serving, terminating: pod.terminating },
    ...(hostname === undefined ? {} : { hostname }),
    ...(pod.nodeName === undefined || pod.nodeName === '' ? {} : { nodeName: pod.nodeName }),
    targetRef: { kind: 'Pod', namespace: pod.namespace, name: pod.name },
  };
}

/** The service's own labels (minus the reserved ones), then the controller's. */
function sliceLabels(service: Service): Labels {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(service.labels)) {
    if (!RESERVED_LABELS.has(key)) labels[key] = value;
  }
  if (service.headless || service.clusterIPs.length === 0) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = service.name;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

function replacedWarning(slice: EndpointSlice): ControllerWarning {
  return {
    code: 'slice-replaced',
    kind: 'EndpointSlice',
    namespace: slice.namespace,
    name: slice.name,
    message:
      `EndpointSlice ${slice.namespace}/${slice.name} is ignored: Service ${slice.serviceName} has a selector, ` +
      'so its slices are computed from its pods',
  };
}

/**
 * Hands out `<service>-<suffix>` names, the suffix a hash of what the slice stands for, so a slice
 * keeps its name across recomputations; a clash with a name already in the namespace is resolved by
 * rehashing, deterministically since services are processed in a fixed order.
 */
class SliceNames {
  readonly #used = new Set<string>();

  constructor(existing: readonly EndpointSlice[]) {
    for (const slice of existing) this.#used.add(`${slice.namespace}/${slice.name}`);
  }

  claim(service: Service, identity: string): string {
    const prefix = `${service.name}-`.slice(0, MAX_PREFIX_LENGTH);
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
      const name = prefix + nameSuffix(`${service.namespace}/${service.name}/${identity}/${attempt}`);
      const key = `${service.namespace}/${name}`;
      if (!this.#used.has(key)) {
        this.#used.add(key);
        return name;
      }
    }
    throw new RangeError(`no free EndpointSlice name left for Service ${service.namespace}/${service.name}`);
  }
}
