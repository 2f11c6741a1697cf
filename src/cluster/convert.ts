import { FieldReader, isRecord, type JsonRecord, type NameRule } from './convert-fields.ts';
import { ListPool, StringPool } from './strings.ts';
import type {
  ContainerPort,
  Endpoint,
  EndpointConditions,
  EndpointPort,
  EndpointSlice,
  Namespace,
  ObjectKind,
  ObjectReference,
  Pod,
  ProbeAction,
  ReadinessProbe,
  Service,
  ServiceImport,
  ServicePort,
  Labels,
} from './types.ts';

export { ObjectError, canonicalIP } from './convert-fields.ts';

/**
 * Conversion of plain Kubernetes JSON objects (from YAML manifests or the API) to the store's
 * shapes, applying the API server's defaults so both sources produce identical objects. Optional
 * fields are omitted rather than set to undefined, so deep comparison in the store sees no change
 * when nothing changed.
 */

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** The Multi-Cluster Services API: its group version and the labels of its EndpointSlices. */
export const MULTICLUSTER_API_VERSION = 'multicluster.x-k8s.io/v1alpha1';
export const MULTICLUSTER_SERVICE_LABEL = 'multicluster.kubernetes.io/service-name';
export const SOURCE_CLUSTER_LABEL = 'multicluster.kubernetes.io/source-cluster';
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'] as const;
const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;
const MAX_AFFINITY_TIMEOUT_SECONDS = 86400;

/**
 * How much of an object the store keeps. Manifests keep everything: the self-contained mode's
 * endpoints controller selects pods by label and resolves named ports, and its prober runs
 * readiness probes. Objects from the API need only what answers read, and are many more.
 */
export interface Retention {
  /** Labels of services, EndpointSlices and pods: the controller's selectors and the `labels` option read them. */
  readonly labels: boolean;
  /**
   * Service selectors, pod container ports and readiness probes, endpoint node names: only the
   * self-contained mode's controller and prober read them. Without them a service's selector is null.
   */
  readonly workloads: boolean;
  /** Endpoints' target references: `endpoint_pod_names` names endpoints after their pods. */
  readonly targetRefs: boolean;
  readonly strings: StringPool;
  /** Port lists, shared: keyed by kind and contents, so a service's and a slice's never mix. */
  readonly lists: ListPool;
}

export const FULL_RETENTION: Retention = { labels: true, workloads: true, targetRefs: true, strings: new StringPool(), lists: new ListPool() };

const NO_STRINGS: readonly string[] = Object.freeze([]);

const NO_PORTS: readonly never[] = Object.freeze([]);
const NO_LABELS: Labels = Object.freeze({});
const NO_CONTAINER_PORTS: readonly ContainerPort[] = Object.freeze([]);

/** The eight condition combinations, shared: most of the store's endpoints carry one of two. */
const CONDITIONS: readonly EndpointConditions[] = Array.from({ length: 8 }, (_, bits) =>
  Object.freeze({ ready: (bits & 1) !== 0, serving: (bits & 2) !== 0, terminating: (bits & 4) !== 0 }),
);

function sharedConditions(ready: boolean, serving: boolean, terminating: boolean): EndpointConditions {
  return CONDITIONS[(ready ? 1 : 0) | (serving ? 2 : 0) | (terminating ? 4 : 0)]!;
}

export type ConvertedObject =
  | { readonly kind: 'service'; readonly object: Service }
  | { readonly kind: 'endpointslice'; readonly object: EndpointSlice }
  | { readonly kind: 'pod'; readonly object: Pod }
  | { readonly kind: 'namespace'; readonly object: Namespace }
  | { readonly kind: 'serviceimport'; readonly object: ServiceImport };

/** Which store kind an object is, from apiVersion and kind; null for every kind the store ignores. */
export function objectKind(obj: unknown): ObjectKind | null {
  if (!isRecord(obj)) return null;
  const { apiVersion, kind } = obj;
  if (apiVersion === 'v1') {
    if (kind === 'Service') return 'service';
    if (kind === 'Pod') return 'pod';
    if (kind === 'Namespace') return 'namespace';
  } else if (apiVersion === 'discovery.k8s.io/v1' && kind === 'EndpointSlice') {
    return 'endpointslice';
  } else if (apiVersion === MULTICLUSTER_API_VERSION && kind === 'ServiceImport') {
    return 'serviceimport';
  }
  return null;
}

/** Converts any object the store keeps; null for kinds it ignores. Throws ObjectError when invalid. */
export function convertObject(obj: unknown): ConvertedObject | null {
  switch (objectKind(obj)) {
    case 'service':
      return { kind: 'service', object: toService(obj) };
    case 'endpointslice':
      return { kind: 'endpointslice', object: toEndpointSlice(obj) };
    case 'pod':
      return { kind: 'pod', object: toPod(obj) };
    case 'namespace':
      return { kind: 'namespace', object: toNamespace(obj) };
    case 'serviceimport':
      return { kind: 'serviceimport', object: toServiceImport(obj) };
    case null:
      return null;
  }
}

interface Metadata {
  readonly fields: FieldReader;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly deleting: boolean;
  readonly body: JsonRecord;
}

function readMetadata(obj: unknown, kind: string, nameRule: NameRule, namespaced: boolean, strings: StringPool): Metadata {
  const fields: FieldReader = new FieldReader(kind);
  if (!isRecord(obj)) fields.fail('', `must be an object, got ${obj === null ? 'null' : typeof obj}`);
  const meta = fields.record(obj.metadata, 'metadata') ?? {};
  // Name the object in errors as early as possible, even before it is known to be valid.
  if (typeof meta.name === 'string') fields.name = meta.name;
  if (namespaced) fields.namespace = fields.string(meta.namespace, 'metadata.namespace') || 'default';
  const name = fields.dnsName(meta.name, 'metadata.name', nameRule);
  const namespace = namespaced ? strings.intern(fields.dnsName(fields.namespace, 'metadata.namespace', 'dns1123-label')) : '';
  return {
    fields,
    namespace,
    name,
    labels: fields.stringMap(meta.labels, 'metadata.labels'),
    annotations: fields.stringMap(meta.annotations, 'metadata.annotations'),
    deleting: fields.string(meta.deletionTimestamp, 'metadata.deletionTimestamp') !== undefined,
    body: obj,
  };
}

export function toNamespace(obj: unknown, retention: Retention = FULL_RETENTION): Namespace {
  // Namespace labels are kept always: `namespace_labels` selects by them, and namespaces are few.
  const meta = readMetadata(obj, 'Namespace', 'dns1123-label', false, retention.strings);
  return { name: retention.strings.intern(meta.name), labels: meta.labels };
}

/** The load balancer's ingress points, as CoreDNS's object.Service keeps them: an IP, else a hostname. */
function loadBalancerIngress(fields: FieldReader, status: unknown): readonly string[] {
  const loadBalancer = fields.record(fields.record(status, 'status')?.loadBalancer, 'status.loadBalancer');
  if (loadBalancer?.ingress == null) return NO_STRINGS;
  const points: string[] = [];
  for (const [i, point] of fields.list(loadBalancer.ingress, 'status.loadBalancer.ingress').entries()) {
    const field = `status.loadBalancer.ingress[${i}]`;
    const entry = fields.record(point, field) ?? {};
    const ip = fields.string(entry.ip, `${field}.ip`);
    const hostname = fields.string(entry.hostname, `${field}.hostname`);
    if (ip !== undefined && ip !== '') points.push(fields.ip(ip, `${field}.ip`));
    else if (hostname !== undefined && hostname !== '') points.push(hostname.toLowerCase());
  }
  return points.length === 0 ? NO_STRINGS : points;
}

export function toService(obj: unknown, retention: Retention = FULL_RETENTION): Service {
  const meta = readMetadata(obj, 'Service', 'dns1035-label', true, retention.strings);
  const { fields } = meta;
  const spec = fields.record(meta.body.spec, 'spec') ?? {};
  const type = fields.oneOf(spec.type, 'spec.type', ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'], 'ClusterIP');
  const external = type === 'ExternalName';
  const addresses = clusterAddresses(fields, spec);
  const headless = !external && addresses.values[0] === 'None';
  const selector = fields.stringMap(spec.selector, 'spec.selector');
  const affinity = fields.oneOf(spec.sessionAffinity, 'spec.sessionAffinity', ['None', 'ClientIP'], 'None');
  const service: Service = {
    namespace: meta.namespace,
    // Interned: each of the service's EndpointSlices names it again.
    name: retention.strings.intern(meta.name),
    type,
    clusterIPs: external || headless ? [] : addresses.values.map((ip, i) => fields.ip(ip, addresses.field(i))),
    headless,
    externalIPs: spec.externalIPs == null ? NO_STRINGS : fields.list(spec.externalIPs, 'spec.externalIPs').map((ip, i) => fields.ip(ip, `spec.externalIPs[${i}]`)),
    loadBalancerIngress: loadBalancerIngress(fields, meta.body.status),
    ports: sharedPorts(
      'service',
      fields.list(spec.ports, 'spec.ports').map((port, i) => servicePort(fields, port, `spec.ports[${i}]`, retention.strings)),
      retention.lists,
    ),
    // The API drops empty maps, so an empty selector is no selector.
    selector: Object.keys(selector).length === 0 || !retention.workloads ? null : selector,
    publishNotReadyAddresses: fields.boolean(spec.publishNotReadyAddresses, 'spec.publishNotReadyAddresses', false),
    sessionAffinity: affinity,
    sessionAffinityTimeoutSeconds: affinityTimeout(fields, spec),
    labels: retention.labels ? meta.labels : NO_LABELS,
  };
  if (!external) return service;
  return { ...service, externalName: externalName(fields, spec.externalName) };
}

/** spec.clusterIPs wins over spec.clusterIP, as in the API; '' means not allocated. */
function clusterAddresses(fields: FieldReader, spec: JsonRecord): { values: readonly unknown[]; field: (i: number) => string } {
  const list = fields.list(spec.clusterIPs, 'spec.clusterIPs');
  if (list.length > 0) return { values: list, field: (i) => `spec.clusterIPs[${i}]` };
  const single = fields.string(spec.clusterIP, 'spec.clusterIP');
  return { values: single === undefined || single === '' ? [] : [single], field: () => 'spec.clusterIP' };
}

function externalName(fields: FieldReader, value: unknown): string {
  const name = fields.requiredString(value, 'spec.externalName').toLowerCase().replace(/\.$/, '');
  if (name === '' || /[\s/]/.test(name)) fields.fail('spec.externalName', `must be a domain name, got ${JSON.stringify(value)}`);
  return name;
}

function affinityTimeout(fields: FieldReader, spec: JsonRecord): number {
  const config = fields.record(spec.sessionAffinityConfig, 'spec.sessionAffinityConfig');
  const clientIP = fields.record(config?.clientIP, 'spec.sessionAffinityConfig.clientIP');
  const field = 'spec.sessionAffinityConfig.clientIP.timeoutSeconds';
  return fields.integer(clientIP?.timeoutSeconds, field, 1, MAX_AFFINITY_TIMEOUT_SECONDS) ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS;
}

function sharedPorts<T extends ServicePort | EndpointPort>(kind: 'service' | 'slice', ports: readonly T[], lists: ListPool): readonly T[] {
  if (ports.length === 0) return NO_PORTS as readonly T[];
  const key = `${kind}:${ports.map((p) => `${p.name}/${p.protocol}/${p.port}/${'targetPort' in p ? p.targetPort : ''}/${'nodePort' in p ? p.nodePort : ''}`).join(',')}`;
  return lists.share(key, Object.freeze(ports));
}

function servicePort(fields: FieldReader, value: unknown, field: string, strings: StringPool): ServicePort {
  const port = fields.record(value, field) ?? fields.fail(field, 'must be an object');
  const number = fields.port(port.port, `${field}.port`) ?? fields.fail(`${field}.port`, 'is required');
  const targetPort = fields.intOrStringPort(port.targetPort, `${field}.targetPort`);
  const nodePort = fields.integer(port.nodePort, `${field}.nodePort`, 0, 65535);
  return {
    name: strings.intern(fields.string(port.name, `${field}.name`) ?? ''),
    protocol: fields.protocol(port.protocol, `${field}.protocol`),
    port: number,
    ...(targetPort === undefined ? {} : { targetPort: typeof targetPort === 'string' ? strings.intern(targetPort) : targetPort }),
    ...(nodePort === undefined || nodePort === 0 ? {} : { nodePort }),
  };
}

export function toEndpointSlice(obj: unknown, retention: Retention = FULL_RETENTION): EndpointSlice {
  const meta = readMetadata(obj, 'EndpointSlice', 'dns1123-subdomain', true, retention.strings);
  const { body } = meta;
  const fields: FieldReader = meta.fields;
  // The member of ADDRESS_TYPES, not the parsed copy: one string for every slice.
  const addressType =
    ADDRESS_TYPES.find((type) => type === body.addressType) ??
    fields.fail('addressType', `must be IPv4, IPv6 or FQDN, got ${JSON.stringify(body.addressType ?? null)}`);
  const triggerTime = parseTriggerTime(meta.annotations[TRIGGER_TIME_ANNOTATION]);
  const ports: EndpointPort[] = [];
  fields.list(body.ports, 'ports').forEach((port, i) => {
    const converted = endpointPort(fields, port, `ports[${i}]`, retention.strings);
    if (converted) ports.push(converted);
  });
  return {
    namespace: meta.namespace,
    name: meta.name,
    serviceName: retention.strings.intern(meta.labels[SERVICE_NAME_LABEL] ?? ''),
    addressType,
    endpoints: fields.list(body.endpoints, 'endpoints').map((endpoint, i) =>
      toEndpoint(fields, endpoint, `endpoints[${i}]`, addressType, meta.namespace, retention),
    ),
    ports: sharedPorts('slice', ports, retention.lists),
    labels: retention.labels ? meta.labels : NO_LABELS,
    ...(triggerTime === undefined ? {} : { lastChangeTriggerTime: triggerTime }),
    ...multiClusterOf(meta.labels, retention.strings),
  };
}

/** A clusterset slice's ServiceImport and source cluster, from the MCS API's labels; nothing for others. */
function multiClusterOf(labels: Labels, strings: StringPool): { multiCluster?: EndpointSlice['multiCluster'] } {
  const serviceName = labels[MULTICLUSTER_SERVICE_LABEL];
  if (serviceName === undefined || serviceName === '') return {};
  return { multiCluster: { serviceName: strings.intern(serviceName), clusterId: strings.intern(labels[SOURCE_CLUSTER_LABEL] ?? '') } };
}

/** A ServiceImport of the Multi-Cluster Services API (multicluster.x-k8s.io/v1alpha1). */
export function toServiceImport(obj: unknown, retention: Retention = FULL_RETENTION): ServiceImport {
  const meta = readMetadata(obj, 'ServiceImport', 'dns1035-label', true, retention.strings);
  const { fields } = meta;
  const spec = fields.record(meta.body.spec, 'spec') ?? {};
  const type = fields.oneOf(spec.type, 'spec.type', ['ClusterSetIP', 'Headless'], 'ClusterSetIP');
  return {
    namespace: meta.namespace,
    name: retention.strings.intern(meta.name),
    type,
    ips: spec.ips == null ? NO_STRINGS : fields.list(spec.ips, 'spec.ips').map((ip, i) => fields.ip(ip, `spec.ips[${i}]`)),
    ports: fields.list(spec.ports, 'spec.ports').map((port, i) => servicePort(fields, port, `spec.ports[${i}]`, retention.strings)),
  };
}

/** Like kube-proxy, an unparseable trigger time only costs the latency metric, not the slice. */
function parseTriggerTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A port without a number means "all ports" to the API; the store cannot express it, so it is dropped. */
function endpointPort(fields: FieldReader, value: unknown, field: string, strings: StringPool): EndpointPort | undefined {
  const port = fields.record(value, field) ?? fields.fail(field, 'must be an object');
  const number = fields.port(port.port, `${field}.port`);
  if (number === undefined) return undefined;
  return {
    name: strings.intern(fields.string(port.name, `${field}.name`) ?? ''),
    protocol: fields.protocol(port.protocol, `${field}.protocol`),
    port: number,
  };
}

function toEndpoint(fields: FieldReader, value: unknown, field: string, addressType: string, namespace: string, retention: Retention): Endpoint {
  const endpoint = fields.record(value, field) ?? fields.fail(field, 'must be an object');
  const addresses = fields.list(endpoint.addresses, `${field}.addresses`).map((address, i) => {
    const at = `${field}.addresses[${i}]`;
    if (addressType === 'FQDN') return fields.requiredString(address, at).toLowerCase().replace(/\.$/, '');
    return fields.ip(address, at, addressType === 'IPv6' ? 'IPv6' : 'IPv4');
  });
  if (addresses.length === 0) fields.fail(`${field}.addresses`, 'must hold at least one address');
  const conditions = fields.record(endpoint.conditions, `${field}.conditions`) ?? {};
  // The API: a missing ready condition "should be interpreted as ready"; serving follows ready.
  const ready = fields.boolean(conditions.ready, `${field}.conditions.ready`, true);
  const hostname = endpoint.hostname == null ? undefined : fields.dnsName(endpoint.hostname, `${field}.hostname`, 'dns1123-label');
  const { strings } = retention;
  const nodeName = retention.workloads ? fields.string(endpoint.nodeName, `${field}.nodeName`) : undefined;
  const zone = fields.string(endpoint.zone, `${field}.zone`);
  const targetRef = retention.targetRefs ? objectReference(fields, endpoint.targetRef, `${field}.targetRef`, namespace, strings) : undefined;
  return {
    addresses,
    conditions: sharedConditions(
      ready,
      fields.boolean(conditions.serving, `${field}.conditions.serving`, ready),
      fields.boolean(conditions.terminating, `${field}.conditions.terminating`, false),
    ),
    ...(hostname === undefined ? {} : { hostname }),
    ...(nodeName === undefined || nodeName === '' ? {} : { nodeName: strings.intern(nodeName) }),
    ...(zone === undefined || zone === '' ? {} : { zone: strings.intern(zone) }),
    ...(targetRef === undefined ? {} : { targetRef }),
  };
}

function objectReference(fields: FieldReader, value: unknown, field: string, namespace: string, strings: StringPool): ObjectReference | undefined {
  const ref = fields.record(value, field);
  if (ref === undefined) return undefined;
  const refNamespace = fields.string(ref.namespace, `${field}.namespace`);
  return {
    kind: strings.intern(fields.string(ref.kind, `${field}.kind`) ?? ''),
    namespace: refNamespace === undefined || refNamespace === '' ? namespace : strings.intern(refNamespace),
    name: fields.requiredString(ref.name, `${field}.name`),
  };
}

const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;

export function toPod(obj: unknown, retention: Retention = FULL_RETENTION): Pod {
  const meta = readMetadata(obj, 'Pod', 'dns1123-subdomain', true, retention.strings);
  const { fields, body } = meta;
  const spec = fields.record(body.spec, 'spec') ?? {};
  const status = fields.record(body.status, 'status') ?? {};
  const hostname = spec.hostname == null ? undefined : fields.dnsName(spec.hostname, 'spec.hostname', 'dns1123-label');
  const subdomain = spec.subdomain == null ? undefined : fields.dnsName(spec.subdomain, 'spec.subdomain', 'dns1123-label');
  const pod: Pod = {
    namespace: meta.namespace,
    name: meta.name,
    ips: podIPs(fields, status),
    labels: retention.labels ? meta.labels : NO_LABELS,
    ...(hostname === undefined ? {} : { hostname }),
    ...(subdomain === undefined ? {} : { subdomain: retention.strings.intern(subdomain) }),
    phase: fields.oneOf(status.phase, 'status.phase', POD_PHASES, 'Pending'),
    ready: podReady(fields, status),
    terminating: meta.deleting,
    containerPorts: NO_CONTAINER_PORTS,
  };
  return retention.workloads ? withWorkload(pod, fields, spec, retention.strings) : pod;
}

/** What the self-contained mode reads of a pod's spec: its node, its container ports and its readiness probe. */
function withWorkload(pod: Pod, fields: FieldReader, spec: JsonRecord, strings: StringPool): Pod {
  const nodeName = fields.string(spec.nodeName, 'spec.nodeName');
  const containers = podContainers(fields, spec);
  const readinessProbe = firstReadinessProbe(fields, containers);
  return {
    ...pod,
    ...(nodeName === undefined || nodeName === '' ? {} : { nodeName: strings.intern(nodeName) }),
    containerPorts: containers.flatMap(({ container, field }) =>
      fields.list(container.ports, `${field}.ports`).map((port, i) => containerPort(fields, port, `${field}.ports[${i}]`)),
    ),
    ...(readinessProbe === undefined ? {} : { readinessProbe }),
  };
}

/** status.podIPs when set (dual-stack aware), else the older single status.podIP. */
function podIPs(fields: FieldReader, status: JsonRecord): readonly string[] {
  const list = fields.list(status.podIPs, 'status.podIPs');
  if (list.length > 0) {
    return list.map((entry, i) => {
      const at = `status.podIPs[${i}]`;
      return fields.ip((fields.record(entry, at) ?? fields.fail(at, 'must be an object')).ip, `${at}.ip`);
    });
  }
  const single = fields.string(status.podIP, 'status.podIP');
  return single === undefined || single === '' ? [] : [fields.ip(single, 'status.podIP')];
}

function podReady(fields: FieldReader, status: JsonRecord): boolean {
  const conditions = fields.list(status.conditions, 'status.conditions');
  for (let i = 0; i < conditions.length; i++) {
    const condition = fields.record(conditions[i], `status.conditions[${i}]`);
    if (condition?.type === 'Ready') return condition.status === 'True';
  }
  return false;
}

interface ContainerAt {
  readonly container: JsonRecord;
  readonly field: string;
}

/** Regular containers and sidecars (init containers that keep running), whose ports serve traffic. */
function podContainers(fields: FieldReader, spec: JsonRecord): readonly ContainerAt[] {
  const found: ContainerAt[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    fields.list(spec[list], `spec.${list}`).forEach((value, i) => {
      const field = `spec.${list}[${i}]`;
      const container = fields.record(value, field) ?? fields.fail(field, 'must be an object');
      if (list === 'initContainers' && container.restartPolicy !== 'Always') return;
      found.push({ container, field });
    });
  }
  return found;
}

function containerPort(fields: FieldReader, value: unknown, field: string): ContainerPort {
  const port = fields.record(value, field) ?? fields.fail(field, 'must be an object');
  const name = fields.string(port.name, `${field}.name`);
  return {
    ...(name === undefined || name === '' ? {} : { name }),
    containerPort: fields.port(port.containerPort, `${field}.containerPort`) ?? fields.fail(`${field}.containerPort`, 'is required'),
    protocol: fields.protocol(port.protocol, `${field}.protocol`),
  };
}

/** The store models one probe per pod: the first container's that has one. */
function firstReadinessProbe(fields: FieldReader, containers: readonly ContainerAt[]): ReadinessProbe | undefined {
  for (const { container, field } of containers) {
    const probe = fields.record(container.readinessProbe, `${field}.readinessProbe`);
    if (probe) return readinessProbe(fields, probe, `${field}.readinessProbe`);
  }
  return undefined;
}

/** Kubernetes probe defaults: period 10 s, timeout 1 s, success 1, failure 3, no initial delay. */
function readinessProbe(fields: FieldReader, probe: JsonRecord, field: string): ReadinessProbe | undefined {
  const action = probeAction(fields, probe, field);
  if (action === undefined) return undefined;
  const seconds = (key: string, min: number, fallback: number): number =>
    fields.integer(probe[key], `${field}.${key}`, min, 2 ** 31 - 1) ?? fallback;
  return {
    action,
    initialDelaySeconds: seconds('initialDelaySeconds', 0, 0),
    periodSeconds: seconds('periodSeconds', 1, 10),
    timeoutSeconds: seconds('timeoutSeconds', 1, 1),
    successThreshold: seconds('successThreshold', 1, 1),
    failureThreshold: seconds('failureThreshold', 1, 3),
  };
}

/** undefined for a gRPC probe, which the store cannot express: the pod is treated as unprobed. */
function probeAction(fields: FieldReader, probe: JsonRecord, field: string): ProbeAction | undefined {
  const http = fields.record(probe.httpGet, `${field}.httpGet`);
  if (http) {
    const host = fields.string(http.host, `${field}.httpGet.host`);
    return {
      kind: 'httpGet',
      port: probePort(fields, http.port, `${field}.httpGet.port`),
      path: fields.string(http.path, `${field}.httpGet.path`) || '/',
      scheme: fields.oneOf(http.scheme, `${field}.httpGet.scheme`, ['HTTP', 'HTTPS'], 'HTTP'),
      ...(host === undefined || host === '' ? {} : { host }),
    };
  }
  const tcp = fields.record(probe.tcpSocket, `${field}.tcpSocket`);
  if (tcp) {
    const host = fields.string(tcp.host, `${field}.tcpSocket.host`);
    return {
      kind: 'tcpSocket',
      port: probePort(fields, tcp.port, `${field}.tcpSocket.port`),
      ...(host === undefined || host === '' ? {} : { host }),
    };
  }
  const exec = fields.record(probe.exec, `${field}.exec`);
  if (exec) {
    const command = fields.list(exec.command, `${field}.exec.command`).map((arg, i) => fields.string(arg, `${field}.exec.command[${i}]`) ?? '');
    return { kind: 'exec', command };
  }
  if (fields.record(probe.grpc, `${field}.grpc`)) return undefined;
  return fields.fail(field, 'needs one of httpGet, tcpSocket, exec or grpc');
}

function probePort(fields: FieldReader, value: unknown, field: string): number | string {
  return fields.intOrStringPort(value, field) ?? fields.fail(field, 'is required');
}
