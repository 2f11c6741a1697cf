/**
 * The protobuf schema of what the fake serves, by JSON field name: field numbers and types from
 * the real generated.proto files, and which fields are Go pointers (written only when set) rather
 * than values (always written, zero as they may be, as Go's generated marshalers do). Sources:
 *   k8s.io/api            core/v1/generated.proto, discovery/v1/generated.proto (and types.go for pointers)
 *   k8s.io/apimachinery   pkg/apis/meta/v1/generated.proto, pkg/util/intstr/generated.proto,
 *                         pkg/api/resource/generated.proto (Quantity)
 * It covers the fields the fixtures (fixtures.ts, scripts/footprint/objects.ts) use and every
 * value field beside them; an object with a field not listed here cannot be encoded, and says so.
 */

export type ScalarType =
  | 'string'
  | 'int32'
  | 'int64'
  | 'bool'
  /** meta.v1.Time: an RFC 3339 string in JSON, {seconds = 1, nanos = 2} on the wire. */
  | 'time'
  /** intstr.IntOrString: a number or string in JSON, {type = 1, intVal = 2, strVal = 3} on the wire. */
  | 'intOrString'
  /** resource.Quantity: a string in JSON, {string = 1} on the wire. */
  | 'quantity'
  /** meta.v1.FieldsV1: an object in JSON, its JSON text as {Raw = 1} on the wire. */
  | 'fieldsV1';

export interface FieldSpec {
  readonly number: number;
  readonly type: ScalarType | MessageSchema;
  /** A repeated field (a list in JSON). */
  readonly repeated?: boolean;
  /** A map<string, string> or map<string, Quantity> (`type` is the value's). */
  readonly map?: boolean;
  /** A Go pointer: on the wire only when set. Value fields are always written. */
  readonly pointer?: boolean;
  /** An embedded Go struct whose fields sit in the parent's JSON object (ProbeHandler in Probe). */
  readonly inline?: boolean;
}

export interface MessageSchema {
  readonly name: string;
  /** Fields by JSON name (inline ones by their Go name), in field-number order: the order Go writes them. */
  readonly fields: ReadonlyArray<readonly [name: string, spec: FieldSpec]>;
  /** Every JSON key an object of this message may have, those of inline fields included. */
  readonly keys: ReadonlySet<string>;
}

function message(name: string, fields: Record<string, FieldSpec>): MessageSchema {
  const ordered = Object.entries(fields).sort(([, a], [, b]) => a.number - b.number);
  const keys = new Set<string>();
  for (const [key, spec] of ordered) {
    if (spec.inline && typeof spec.type !== 'string') for (const inner of spec.type.keys) keys.add(inner);
    else keys.add(key);
  }
  return { name, fields: ordered, keys };
}

const string = (number: number): FieldSpec => ({ number, type: 'string' });
const int32 = (number: number): FieldSpec => ({ number, type: 'int32' });
const int64 = (number: number): FieldSpec => ({ number, type: 'int64' });
const bool = (number: number): FieldSpec => ({ number, type: 'bool' });
const time = (number: number): FieldSpec => ({ number, type: 'time' });
const intOrString = (number: number): FieldSpec => ({ number, type: 'intOrString' });
const quantity = (number: number): FieldSpec => ({ number, type: 'quantity' });
const embedded = (number: number, type: MessageSchema): FieldSpec => ({ number, type });
const inline = (number: number, type: MessageSchema): FieldSpec => ({ number, type, inline: true });
const stringMap = (number: number): FieldSpec => ({ number, type: 'string', map: true });
const quantityMap = (number: number): FieldSpec => ({ number, type: 'quantity', map: true });
const repeated = (spec: FieldSpec): FieldSpec => ({ ...spec, repeated: true });
const pointer = (spec: FieldSpec): FieldSpec => ({ ...spec, pointer: true });

// meta.v1 (k8s.io/apimachinery pkg/apis/meta/v1/generated.proto)

const OwnerReference = message('OwnerReference', {
  kind: string(1),
  name: string(3),
  uid: string(4),
  apiVersion: string(5),
  controller: pointer(bool(6)),
  blockOwnerDeletion: pointer(bool(7)),
});

const ManagedFieldsEntry = message('ManagedFieldsEntry', {
  manager: string(1),
  operation: string(2),
  apiVersion: string(3),
  time: pointer(time(4)),
  fieldsType: string(6),
  fieldsV1: pointer({ number: 7, type: 'fieldsV1' }),
  subresource: string(8),
});

const ObjectMeta = message('ObjectMeta', {
  name: string(1),
  generateName: string(2),
  namespace: string(3),
  selfLink: string(4),
  uid: string(5),
  resourceVersion: string(6),
  generation: int64(7),
  creationTimestamp: time(8),
  deletionTimestamp: pointer(time(9)),
  deletionGracePeriodSeconds: pointer(int64(10)),
  labels: stringMap(11),
  annotations: stringMap(12),
  ownerReferences: repeated(embedded(13, OwnerReference)),
  finalizers: repeated(string(14)),
  managedFields: repeated(embedded(17, ManagedFieldsEntry)),
});

export const ListMeta = message('ListMeta', {
  selfLink: string(1),
  resourceVersion: string(2),
  continue: string(3),
  remainingItemCount: pointer(int64(4)),
});

export const Status = message('Status', {
  metadata: embedded(1, ListMeta),
  status: string(2),
  message: string(3),
  reason: string(4),
  code: int32(6),
});

// core.v1 shared (k8s.io/api core/v1/generated.proto)

const ObjectReference = message('ObjectReference', {
  kind: string(1),
  namespace: string(2),
  name: string(3),
  uid: string(4),
  apiVersion: string(5),
  resourceVersion: string(6),
  fieldPath: string(7),
});

const LocalObjectReference = message('LocalObjectReference', { name: string(1) });

// core.v1 Service

const ClientIPConfig = message('ClientIPConfig', { timeoutSeconds: pointer(int32(1)) });

const SessionAffinityConfig = message('SessionAffinityConfig', { clientIP: pointer(embedded(1, ClientIPConfig)) });

const ServicePort = message('ServicePort', {
  name: string(1),
  protocol: string(2),
  port: int32(3),
  targetPort: intOrString(4),
  nodePort: int32(5),
  appProtocol: pointer(string(6)),
});

const ServiceSpec = message('ServiceSpec', {
  ports: repeated(embedded(1, ServicePort)),
  selector: stringMap(2),
  clusterIP: string(3),
  type: string(4),
  externalIPs: repeated(string(5)),
  sessionAffinity: string(7),
  loadBalancerIP: string(8),
  loadBalancerSourceRanges: repeated(string(9)),
  externalName: string(10),
  externalTrafficPolicy: string(11),
  healthCheckNodePort: int32(12),
  publishNotReadyAddresses: bool(13),
  sessionAffinityConfig: pointer(embedded(14, SessionAffinityConfig)),
  ipFamilyPolicy: pointer(string(17)),
  clusterIPs: repeated(string(18)),
  ipFamilies: repeated(string(19)),
  allocateLoadBalancerNodePorts: pointer(bool(20)),
  loadBalancerClass: pointer(string(21)),
  internalTrafficPolicy: pointer(string(22)),
  trafficDistribution: pointer(string(23)),
});

const LoadBalancerStatus = message('LoadBalancerStatus', {});

const ServiceStatus = message('ServiceStatus', { loadBalancer: embedded(1, LoadBalancerStatus) });

const Service = message('Service', {
  metadata: embedded(1, ObjectMeta),
  spec: embedded(2, ServiceSpec),
  status: embedded(3, ServiceStatus),
});

// core.v1 Namespace

const Namespace = message('Namespace', {
  metadata: embedded(1, ObjectMeta),
  spec: embedded(2, message('NamespaceSpec', { finalizers: repeated(string(1)) })),
  status: embedded(3, message('NamespaceStatus', { phase: string(1) })),
});

// discovery.v1 EndpointSlice (k8s.io/api discovery/v1/generated.proto)

const EndpointConditions = message('EndpointConditions', {
  ready: pointer(bool(1)),
  serving: pointer(bool(2)),
  terminating: pointer(bool(3)),
});

const Endpoint = message('Endpoint', {
  addresses: repeated(string(1)),
  conditions: embedded(2, EndpointConditions),
  hostname: pointer(string(3)),
  targetRef: pointer(embedded(4, ObjectReference)),
  deprecatedTopology: stringMap(5),
  nodeName: pointer(string(6)),
  zone: pointer(string(7)),
});

const EndpointPort = message('EndpointPort', {
  name: pointer(string(1)),
  protocol: pointer(string(2)),
  port: pointer(int32(3)),
  appProtocol: pointer(string(4)),
});

const EndpointSlice = message('EndpointSlice', {
  metadata: embedded(1, ObjectMeta),
  endpoints: repeated(embedded(2, Endpoint)),
  ports: repeated(embedded(3, EndpointPort)),
  addressType: string(4),
});

// core.v1 Pod: containers

const ContainerPort = message('ContainerPort', {
  name: string(1),
  hostPort: int32(2),
  containerPort: int32(3),
  protocol: string(4),
  hostIP: string(5),
});

const ObjectFieldSelector = message('ObjectFieldSelector', { apiVersion: string(1), fieldPath: string(2) });

const ResourceFieldSelector = message('ResourceFieldSelector', {
  containerName: string(1),
  resource: string(2),
  divisor: quantity(3),
});

const EnvVarSource = message('EnvVarSource', {
  fieldRef: pointer(embedded(1, ObjectFieldSelector)),
  resourceFieldRef: pointer(embedded(2, ResourceFieldSelector)),
});

const EnvVar = message('EnvVar', {
  name: string(1),
  value: string(2),
  valueFrom: pointer(embedded(3, EnvVarSource)),
});

const ResourceRequirements = message('ResourceRequirements', { limits: quantityMap(1), requests: quantityMap(2) });

const VolumeMount = message('VolumeMount', {
  name: string(1),
  readOnly: bool(2),
  mountPath: string(3),
  subPath: string(4),
  mountPropagation: pointer(string(5)),
  subPathExpr: string(6),
  recursiveReadOnly: pointer(string(7)),
});

const HTTPHeader = message('HTTPHeader', { name: string(1), value: string(2) });

const ProbeHandler = message('ProbeHandler', {
  exec: pointer(embedded(1, message('ExecAction', { command: repeated(string(1)) }))),
  httpGet: pointer(
    embedded(
      2,
      message('HTTPGetAction', {
        path: string(1),
        port: intOrString(2),
        host: string(3),
        scheme: string(4),
        httpHeaders: repeated(embedded(5, HTTPHeader)),
      }),
    ),
  ),
  tcpSocket: pointer(embedded(3, message('TCPSocketAction', { port: intOrString(1), host: string(2) }))),
  grpc: pointer(embedded(4, message('GRPCAction', { port: int32(1), service: pointer(string(2)) }))),
});

const Probe = message('Probe', {
  handler: inline(1, ProbeHandler),
  initialDelaySeconds: int32(2),
  timeoutSeconds: int32(3),
  periodSeconds: int32(4),
  successThreshold: int32(5),
  failureThreshold: int32(6),
  terminationGracePeriodSeconds: pointer(int64(7)),
});

const SeccompProfile = message('SeccompProfile', { type: string(1), localhostProfile: pointer(string(2)) });

const SecurityContext = message('SecurityContext', {
  capabilities: pointer(embedded(1, message('Capabilities', { add: repeated(string(1)), drop: repeated(string(2)) }))),
  privileged: pointer(bool(2)),
  runAsUser: pointer(int64(4)),
  runAsNonRoot: pointer(bool(5)),
  readOnlyRootFilesystem: pointer(bool(6)),
  allowPrivilegeEscalation: pointer(bool(7)),
  runAsGroup: pointer(int64(8)),
  seccompProfile: pointer(embedded(11, SeccompProfile)),
});

const Container = message('Container', {
  name: string(1),
  image: string(2),
  command: repeated(string(3)),
  args: repeated(string(4)),
  workingDir: string(5),
  ports: repeated(embedded(6, ContainerPort)),
  env: repeated(embedded(7, EnvVar)),
  resources: embedded(8, ResourceRequirements),
  volumeMounts: repeated(embedded(9, VolumeMount)),
  livenessProbe: pointer(embedded(10, Probe)),
  readinessProbe: pointer(embedded(11, Probe)),
  terminationMessagePath: string(13),
  imagePullPolicy: string(14),
  securityContext: pointer(embedded(15, SecurityContext)),
  stdin: bool(16),
  stdinOnce: bool(17),
  tty: bool(18),
  terminationMessagePolicy: string(20),
  startupProbe: pointer(embedded(22, Probe)),
  restartPolicy: pointer(string(24)),
});

// core.v1 Pod: volumes

const KeyToPath = message('KeyToPath', { key: string(1), path: string(2), mode: pointer(int32(3)) });

const ConfigMapVolumeSource = message('ConfigMapVolumeSource', {
  localObjectReference: inline(1, LocalObjectReference),
  items: repeated(embedded(2, KeyToPath)),
  defaultMode: pointer(int32(3)),
  optional: pointer(bool(4)),
});

const DownwardAPIVolumeFile = message('DownwardAPIVolumeFile', {
  path: string(1),
  fieldRef: pointer(embedded(2, ObjectFieldSelector)),
  resourceFieldRef: pointer(embedded(3, ResourceFieldSelector)),
  mode: pointer(int32(4)),
});

const VolumeProjection = message('VolumeProjection', {
  downwardAPI: pointer(embedded(2, message('DownwardAPIProjection', { items: repeated(embedded(1, DownwardAPIVolumeFile)) }))),
  configMap: pointer(
    embedded(
      3,
      message('ConfigMapProjection', {
        localObjectReference: inline(1, LocalObjectReference),
        items: repeated(embedded(2, KeyToPath)),
        optional: pointer(bool(4)),
      }),
    ),
  ),
  serviceAccountToken: pointer(
    embedded(4, message('ServiceAccountTokenProjection', { audience: string(1), expirationSeconds: pointer(int64(2)), path: string(3) })),
  ),
});

const VolumeSource = message('VolumeSource', {
  emptyDir: pointer(embedded(2, message('EmptyDirVolumeSource', { medium: string(1), sizeLimit: pointer(quantity(2)) }))),
  configMap: pointer(embedded(19, ConfigMapVolumeSource)),
  projected: pointer(
    embedded(26, message('ProjectedVolumeSource', { sources: repeated(embedded(1, VolumeProjection)), defaultMode: pointer(int32(2)) })),
  ),
});

const Volume = message('Volume', { name: string(1), volumeSource: inline(2, VolumeSource) });

// core.v1 Pod: spec and status

const Toleration = message('Toleration', {
  key: string(1),
  operator: string(2),
  value: string(3),
  effect: string(4),
  tolerationSeconds: pointer(int64(5)),
});

const PodSecurityContext = message('PodSecurityContext', {
  runAsUser: pointer(int64(2)),
  runAsNonRoot: pointer(bool(3)),
  fsGroup: pointer(int64(5)),
  runAsGroup: pointer(int64(6)),
  seccompProfile: pointer(embedded(10, SeccompProfile)),
});

const PodSpec = message('PodSpec', {
  volumes: repeated(embedded(1, Volume)),
  containers: repeated(embedded(2, Container)),
  restartPolicy: string(3),
  terminationGracePeriodSeconds: pointer(int64(4)),
  dnsPolicy: string(6),
  nodeSelector: stringMap(7),
  serviceAccountName: string(8),
  serviceAccount: string(9),
  nodeName: string(10),
  hostNetwork: bool(11),
  hostPID: bool(12),
  hostIPC: bool(13),
  securityContext: pointer(embedded(14, PodSecurityContext)),
  imagePullSecrets: repeated(embedded(15, LocalObjectReference)),
  hostname: string(16),
  subdomain: string(17),
  schedulerName: string(19),
  initContainers: repeated(embedded(20, Container)),
  automountServiceAccountToken: pointer(bool(21)),
  tolerations: repeated(embedded(22, Toleration)),
  priorityClassName: string(24),
  priority: pointer(int32(25)),
  enableServiceLinks: pointer(bool(30)),
  preemptionPolicy: pointer(string(31)),
});

const PodCondition = message('PodCondition', {
  type: string(1),
  status: string(2),
  lastProbeTime: time(3),
  lastTransitionTime: time(4),
  reason: string(5),
  message: string(6),
  observedGeneration: int64(7),
});

const ContainerState = message('ContainerState', {
  running: pointer(embedded(2, message('ContainerStateRunning', { startedAt: time(1) }))),
});

const VolumeMountStatus = message('VolumeMountStatus', {
  name: string(1),
  mountPath: string(2),
  readOnly: bool(3),
  recursiveReadOnly: pointer(string(4)),
});

const ContainerStatus = message('ContainerStatus', {
  name: string(1),
  state: embedded(2, ContainerState),
  lastState: embedded(3, ContainerState),
  ready: bool(4),
  restartCount: int32(5),
  image: string(6),
  imageID: string(7),
  containerID: string(8),
  started: pointer(bool(9)),
  volumeMounts: repeated(embedded(12, VolumeMountStatus)),
});

const PodIP = message('PodIP', { ip: string(1) });

const PodStatus = message('PodStatus', {
  phase: string(1),
  conditions: repeated(embedded(2, PodCondition)),
  message: string(3),
  reason: string(4),
  hostIP: string(5),
  podIP: string(6),
  startTime: pointer(time(7)),
  containerStatuses: repeated(embedded(8, ContainerStatus)),
  qosClass: string(9),
  initContainerStatuses: repeated(embedded(10, ContainerStatus)),
  nominatedNodeName: string(11),
  podIPs: repeated(embedded(12, PodIP)),
  resize: string(14),
  hostIPs: repeated(embedded(16, message('HostIP', { ip: string(1) }))),
  observedGeneration: int64(17),
});

const Pod = message('Pod', {
  metadata: embedded(1, ObjectMeta),
  spec: embedded(2, PodSpec),
  status: embedded(3, PodStatus),
});

/** The top-level message of each kind the fake serves, by the kind's name. */
export const OBJECT_SCHEMAS: Readonly<Record<string, MessageSchema>> = { Service, Namespace, EndpointSlice, Pod, Status };
