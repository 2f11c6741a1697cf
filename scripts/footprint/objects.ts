/**
 * API objects as a real cluster returns them: Services applied with kubectl, EndpointSlices as the
 * endpointslice controller writes them, Pods of Deployments as the kubelet reports them, each
 * with managedFields, annotations and full specs. Memory spent parsing what the API sends depends
 * on those bytes, not only on the few fields DNS reads, so the fixtures must be real-sized.
 *
 * Seeded: object `i` of a kind depends only on the seed and `i`, so any object can be built
 * alone and every run sees the same bytes. Layout (`ClusterLayout`): service `i` is `svc-i` in
 * `ns-(i % namespaces)`; its endpoints are pods `i * perService + e`, at `ipFor(pod, 10)`
 * (10.0.0.1, 10.0.0.2, ...); cluster IPs are `ipFor(i, 11)`.
 */
import { seededRandom, type Random } from '../bench/prng.ts';
import { ipFor, type KubeObject } from '../../test/fake-apiserver/index.ts';

export interface ClusterLayout {
  readonly services: number;
  /** Endpoints per service, all in one EndpointSlice. */
  readonly endpointsPerService: number;
  /** Pods seeded (0 = none); pod `p` backs endpoint `p % perService` of service `floor(p / perService)`. */
  readonly pods: number;
  readonly namespaces: number;
  readonly seed: number;
}

export const DEFAULT_NAMESPACES = 50;
export const DEFAULT_SEED = 1;
/** Every this-many services is headless (a StatefulSet's governing service): 5%. */
const HEADLESS_EVERY = 20;
const BASE_TIME = Date.UTC(2025, 0, 6, 9, 0, 0);
const NODES = 120;
const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
const TEAMS = ['payments', 'checkout', 'catalog', 'search', 'identity', 'platform', 'growth', 'data'];

export function namespaceOf(layout: ClusterLayout, service: number): string {
  return `ns-${service % layout.namespaces}`;
}

export function serviceName(service: number): string {
  return `svc-${service}`;
}

export function isHeadless(service: number): boolean {
  return service % HEADLESS_EVERY === HEADLESS_EVERY - 1;
}

export function clusterIpOf(service: number): string {
  return ipFor(service, 11);
}

export function podIpOf(pod: number): string {
  return ipFor(pod, 10);
}

/** The service a pod (or endpoint) index belongs to. */
export function serviceOfPod(layout: ClusterLayout, pod: number): number {
  return Math.floor(pod / layout.endpointsPerService) % layout.services;
}

function randomFor(layout: ClusterLayout, kind: number, index: number): Random {
  // Distinct streams per kind and index; the avalanche mix in seededRandom spreads nearby seeds.
  return seededRandom((layout.seed * 0x2545f491 + kind * 0x9e3779b1 + index * 0x85ebca77) >>> 0);
}

function hex(random: Random, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += Math.floor(random() * 16).toString(16);
  return text;
}

/** A version-4-shaped UUID. */
export function uuid(random: Random): string {
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
}

const ALPHANUMERIC = 'bcdfghjklmnpqrstvwxz2456789';

/** The random suffixes Kubernetes appends to generated names (`-7d9f8b6c5d`, `-x2k4q`). */
function suffix(random: Random, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += ALPHANUMERIC[Math.floor(random() * ALPHANUMERIC.length)];
  return text;
}

function timestamp(offsetSeconds: number): string {
  return new Date(BASE_TIME + Math.floor(offsetSeconds) * 1000).toISOString().replace('.000Z', 'Z');
}

interface ServicePortSpec {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number | string;
}

function servicePorts(random: Random): ServicePortSpec[] {
  const ports: ServicePortSpec[] = [{ name: 'http', port: 80, targetPort: 8080 }];
  if (random() < 0.5) ports.push({ name: 'metrics', port: 9090, targetPort: 'metrics' });
  if (random() < 0.2) ports.push({ name: 'grpc', port: 9000, targetPort: 9000 });
  return ports;
}

function appLabels(layout: ClusterLayout, service: number): Record<string, string> {
  const team = TEAMS[service % TEAMS.length] as string;
  return {
    'app.kubernetes.io/name': serviceName(service),
    'app.kubernetes.io/instance': `${serviceName(service)}-${namespaceOf(layout, service)}`,
    'app.kubernetes.io/part-of': team,
    'app.kubernetes.io/component': service % 3 === 0 ? 'backend' : 'api',
    'app.kubernetes.io/version': `1.${service % 17}.${service % 7}`,
  };
}

/** A managedFields set: `{".": {}, "f:key": {}, ...}`. */
function fieldsOf(keys: readonly string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = { '.': {} };
  for (const key of keys) fields[`f:${key}`] = {};
  return fields;
}

export function namespaceObject(name: string): KubeObject {
  return {
    metadata: {
      name,
      labels: { 'kubernetes.io/metadata.name': name },
      creationTimestamp: timestamp(0),
      managedFields: [
        {
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': fieldsOf(['kubernetes.io/metadata.name']) } },
          manager: 'kubectl-create',
          operation: 'Update',
          time: timestamp(0),
        },
      ],
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** Service `i`, as `kubectl apply` leaves it (client-side apply: the annotation and its managedFields). */
export function serviceObject(layout: ClusterLayout, service: number): KubeObject {
  const random = randomFor(layout, 1, service);
  const namespace = namespaceOf(layout, service);
  const name = serviceName(service);
  const labels = appLabels(layout, service);
  const ports = servicePorts(random);
  const headless = isHeadless(service);
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': labels['app.kubernetes.io/instance'] as string };
  const applied = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { annotations: {}, labels, name, namespace },
    spec: {
      ...(headless ? { clusterIP: 'None' } : {}),
      ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: 'TCP', targetPort: p.targetPort })),
      selector,
      type: 'ClusterIP',
    },
  };
  const created = timestamp(random() * 86400 * 30);
  const clusterIP = headless ? 'None' : clusterIpOf(service);
  return {
    metadata: {
      name,
      namespace,
      uid: uuid(random),
      creationTimestamp: created,
      labels,
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(applied)}\n` },
      managedFields: [
        {
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:annotations': fieldsOf(['kubectl.kubernetes.io/last-applied-configuration']),
              'f:labels': fieldsOf(Object.keys(labels)),
            },
            'f:spec': {
              ...(headless ? { 'f:clusterIP': {} } : {}),
              'f:internalTrafficPolicy': {},
              'f:ports': Object.fromEntries([
                ['.', {}],
                ...ports.map((p) => [`k:{"port":${p.port},"protocol":"TCP"}`, fieldsOf(['name', 'port', 'protocol', 'targetPort'])]),
              ]),
              'f:selector': {},
              'f:sessionAffinity': {},
              'f:type': {},
            },
          },
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          time: created,
        },
      ],
    },
    spec: {
      clusterIP,
      clusterIPs: [clusterIP],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: 'TCP', targetPort: p.targetPort })),
      selector,
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  };
}

/** The name of a pod: a Deployment's (`svc-3-7d9f8b6c5d-x2k4q`), or a StatefulSet's (`svc-19-2`) for headless services. */
export function podName(layout: ClusterLayout, pod: number): string {
  const service = serviceOfPod(layout, pod);
  if (isHeadless(service)) return `${serviceName(service)}-${pod % layout.endpointsPerService}`;
  const template = suffix(randomFor(layout, 4, service), 10);
  return `${serviceName(service)}-${template}-${suffix(randomFor(layout, 5, pod), 5)}`;
}

function podUid(layout: ClusterLayout, pod: number): string {
  return uuid(randomFor(layout, 6, pod));
}

function nodeOf(pod: number): string {
  return `ip-10-20-${(pod * 7) % NODES}-${(pod * 13) % 250}.eu-west-1.compute.internal`;
}

function zoneOf(pod: number): string {
  return ZONES[pod % ZONES.length] as string;
}

/** The EndpointSlice of service `i`, as kube-controller-manager's endpointslice controller writes it. */
export function endpointSliceObject(layout: ClusterLayout, service: number): KubeObject {
  const random = randomFor(layout, 2, service);
  const namespace = namespaceOf(layout, service);
  const name = serviceName(service);
  const headless = isHeadless(service);
  const labels: Record<string, string> = {
    ...appLabels(layout, service),
    'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    'kubernetes.io/service-name': name,
    ...(headless ? { 'service.kubernetes.io/headless': '' } : {}),
  };
  const ownerUid = uuid(randomFor(layout, 1, service));
  const changed = timestamp(86400 * 30 + random() * 86400 * 7);
  const endpoints = Array.from({ length: layout.endpointsPerService }, (_, e) => {
    const pod = service * layout.endpointsPerService + e;
    return {
      addresses: [podIpOf(pod)],
      conditions: { ready: true, serving: true, terminating: false },
      ...(headless ? { hostname: `${name}-${e}` } : {}),
      nodeName: nodeOf(pod),
      targetRef: { kind: 'Pod', name: podName(layout, pod), namespace, uid: podUid(layout, pod) },
      zone: zoneOf(pod),
    };
  });
  const ports = servicePorts(randomFor(layout, 1, service)).map((p) => ({
    name: p.name,
    port: typeof p.targetPort === 'number' ? p.targetPort : 9090,
    protocol: 'TCP',
  }));
  return {
    metadata: {
      name: `${name}-${suffix(random, 5)}`,
      generateName: `${name}-`,
      namespace,
      uid: uuid(random),
      generation: 1 + Math.floor(random() * 40),
      creationTimestamp: timestamp(random() * 86400 * 30),
      labels,
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': changed },
      ownerReferences: [{ apiVersion: 'v1', blockOwnerDeletion: true, controller: true, kind: 'Service', name, uid: ownerUid }],
      managedFields: [
        {
          apiVersion: 'discovery.k8s.io/v1',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:addressType': {},
            'f:endpoints': {},
            'f:metadata': {
              'f:annotations': fieldsOf(['endpoints.kubernetes.io/last-change-trigger-time']),
              'f:generateName': {},
              'f:labels': fieldsOf(Object.keys(labels)),
              'f:ownerReferences': { '.': {}, [`k:{"uid":"${ownerUid}"}`]: {} },
            },
            'f:ports': {},
          },
          manager: 'kube-controller-manager',
          operation: 'Update',
          time: changed,
        },
      ],
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

const IMAGES = ['registry.example.com/shop/api', 'registry.example.com/shop/worker', 'registry.example.com/platform/gateway'];

function env(random: Random, service: number, namespace: string): { name: string; value?: string; valueFrom?: unknown }[] {
  return [
    { name: 'SERVICE_NAME', value: serviceName(service) },
    { name: 'LOG_LEVEL', value: random() < 0.8 ? 'info' : 'debug' },
    { name: 'HTTP_PORT', value: '8080' },
    { name: 'METRICS_PORT', value: '9090' },
    { name: 'DATABASE_URL', value: `postgres://app@db-${service % 40}.${namespace}.svc.cluster.local:5432/app?sslmode=require` },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability.svc.cluster.local:4317' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
    { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { divisor: '0', resource: 'limits.cpu' } } },
  ];
}

function containerSpec(random: Random, name: string, image: string, service: number, namespace: string, saVolume: string): Record<string, unknown> {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    args: ['--config=/etc/app/config.yaml', `--listen=:8080`],
    env: env(random, service, namespace),
    ports: [
      { containerPort: 8080, name: 'http', protocol: 'TCP' },
      { containerPort: 9090, name: 'metrics', protocol: 'TCP' },
    ],
    resources: {
      limits: { cpu: '1', memory: `${256 * (1 + Math.floor(random() * 4))}Mi` },
      requests: { cpu: `${100 * (1 + Math.floor(random() * 5))}m`, memory: '128Mi' },
    },
    livenessProbe: {
      failureThreshold: 3,
      httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      successThreshold: 1,
      timeoutSeconds: 1,
    },
    readinessProbe: {
      failureThreshold: 3,
      httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' },
      periodSeconds: 5,
      successThreshold: 1,
      timeoutSeconds: 1,
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
    },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: [
      { mountPath: '/etc/app', name: 'config', readOnly: true },
      { mountPath: '/tmp', name: 'tmp' },
      { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: saVolume, readOnly: true },
    ],
  };
}

function containerStatus(random: Random, name: string, image: string, started: string): Record<string, unknown> {
  return {
    containerID: `containerd://${hex(random, 64)}`,
    image: `${image}:v1.${Math.floor(random() * 30)}.0`,
    imageID: `${image}@sha256:${hex(random, 64)}`,
    lastState: {},
    name,
    ready: true,
    restartCount: random() < 0.9 ? 0 : 1,
    started: true,
    state: { running: { startedAt: started } },
    volumeMounts: [
      { mountPath: '/etc/app', name: 'config', readOnly: true, recursiveReadOnly: 'Disabled' },
      { mountPath: '/tmp', name: 'tmp' },
    ],
  };
}

/** Pod `p`: a Deployment's (or StatefulSet's) running pod, as the API returns it once the kubelet has reported. */
export function podObject(layout: ClusterLayout, pod: number): KubeObject {
  const random = randomFor(layout, 3, pod);
  const service = serviceOfPod(layout, pod);
  const namespace = namespaceOf(layout, service);
  const name = podName(layout, pod);
  const headless = isHeadless(service);
  const ip = podIpOf(pod);
  const hostIP = `10.20.${(pod * 7) % NODES}.${(pod * 13) % 250}`;
  const image = `${IMAGES[service % IMAGES.length]}`;
  const saVolume = `kube-api-access-${suffix(random, 5)}`;
  const created = timestamp(86400 * 20 + random() * 86400 * 10);
  const started = timestamp(86400 * 20 + random() * 86400 * 10 + 4);
  const templateHash = suffix(randomFor(layout, 4, service), 10);
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': serviceName(service),
    'app.kubernetes.io/instance': appLabels(layout, service)['app.kubernetes.io/instance'] as string,
    ...(headless
      ? { 'apps.kubernetes.io/pod-index': String(pod % layout.endpointsPerService), 'controller-revision-hash': `${serviceName(service)}-${templateHash}`, 'statefulset.kubernetes.io/pod-name': name }
      : { 'pod-template-hash': templateHash }),
  };
  const owner = headless
    ? { apiVersion: 'apps/v1', kind: 'StatefulSet', name: serviceName(service) }
    : { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${serviceName(service)}-${templateHash}` };
  const ownerUid = uuid(randomFor(layout, 7, service));
  const containers = [containerSpec(random, 'app', `${image}:v1.${service % 30}.0`, service, namespace, saVolume)];
  const conditions = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
    lastProbeTime: null,
    lastTransitionTime: type === 'PodScheduled' ? created : started,
    status: 'True',
    type,
  }));
  return {
    metadata: {
      name,
      ...(headless ? {} : { generateName: `${serviceName(service)}-${templateHash}-` }),
      namespace,
      uid: podUid(layout, pod),
      creationTimestamp: created,
      labels,
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9090',
        'kubectl.kubernetes.io/restartedAt': timestamp(86400 * 19),
      },
      ownerReferences: [{ ...owner, blockOwnerDeletion: true, controller: true, uid: ownerUid }],
      managedFields: [
        {
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:annotations': fieldsOf(['kubectl.kubernetes.io/restartedAt', 'prometheus.io/port', 'prometheus.io/scrape']),
              ...(headless ? {} : { 'f:generateName': {} }),
              'f:labels': fieldsOf(Object.keys(labels)),
              'f:ownerReferences': { '.': {}, [`k:{"uid":"${ownerUid}"}`]: {} },
            },
            'f:spec': {
              'f:containers': {
                'k:{"name":"app"}': {
                  ...fieldsOf(['args', 'image', 'imagePullPolicy', 'name', 'terminationMessagePath', 'terminationMessagePolicy']),
                  'f:env': Object.fromEntries([['.', {}], ...env(random, service, namespace).map((e) => [`k:{"name":"${e.name}"}`, fieldsOf(['name', e.value === undefined ? 'valueFrom' : 'value'])])]),
                  'f:livenessProbe': fieldsOf(['failureThreshold', 'httpGet', 'initialDelaySeconds', 'periodSeconds', 'successThreshold', 'timeoutSeconds']),
                  'f:ports': { '.': {}, 'k:{"containerPort":8080,"protocol":"TCP"}': fieldsOf(['containerPort', 'name', 'protocol']), 'k:{"containerPort":9090,"protocol":"TCP"}': fieldsOf(['containerPort', 'name', 'protocol']) },
                  'f:readinessProbe': fieldsOf(['failureThreshold', 'httpGet', 'periodSeconds', 'successThreshold', 'timeoutSeconds']),
                  'f:resources': { '.': {}, 'f:limits': fieldsOf(['cpu', 'memory']), 'f:requests': fieldsOf(['cpu', 'memory']) },
                  'f:securityContext': fieldsOf(['allowPrivilegeEscalation', 'capabilities', 'readOnlyRootFilesystem', 'runAsNonRoot', 'runAsUser']),
                  'f:volumeMounts': { '.': {}, 'k:{"mountPath":"/etc/app"}': fieldsOf(['mountPath', 'name', 'readOnly']), 'k:{"mountPath":"/tmp"}': fieldsOf(['mountPath', 'name']) },
                },
              },
              ...fieldsOf(['dnsPolicy', 'enableServiceLinks', 'restartPolicy', 'schedulerName', 'securityContext', 'terminationGracePeriodSeconds']),
              'f:volumes': { '.': {}, 'k:{"name":"config"}': fieldsOf(['configMap', 'name']), 'k:{"name":"tmp"}': fieldsOf(['emptyDir', 'name']) },
            },
          },
          manager: 'kube-controller-manager',
          operation: 'Update',
          time: created,
        },
        {
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:status': {
              'f:conditions': Object.fromEntries(conditions.map((c) => [`k:{"type":"${c.type}"}`, fieldsOf(['lastProbeTime', 'lastTransitionTime', 'status', 'type'])])),
              ...fieldsOf(['containerStatuses', 'hostIP', 'hostIPs', 'phase', 'podIP', 'startTime']),
              'f:podIPs': { '.': {}, [`k:{"ip":"${ip}"}`]: fieldsOf(['ip']) },
            },
          },
          manager: 'kubelet',
          operation: 'Update',
          subresource: 'status',
          time: started,
        },
      ],
    },
    spec: {
      containers,
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      ...(headless ? { hostname: name, subdomain: serviceName(service) } : {}),
      nodeName: nodeOf(pod),
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: { fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
      volumes: [
        { configMap: { defaultMode: 420, name: `${serviceName(service)}-config` }, name: 'config' },
        { emptyDir: {}, name: 'tmp' },
        {
          name: saVolume,
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
              { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
            ],
          },
        },
      ],
    },
    status: {
      conditions,
      containerStatuses: [containerStatus(random, 'app', image, started)],
      hostIP,
      hostIPs: [{ ip: hostIP }],
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      qosClass: 'Burstable',
      startTime: created,
    },
  };
}

export type SeedKind = 'namespace' | 'service' | 'endpointslice' | 'pod';

/** Every object of the cluster, namespaces first, in a fixed order. */
export function* clusterObjects(layout: ClusterLayout): Generator<{ kind: SeedKind; object: KubeObject }> {
  for (let n = 0; n < layout.namespaces; n++) yield { kind: 'namespace', object: namespaceObject(`ns-${n}`) };
  for (const name of ['default', 'kube-system']) yield { kind: 'namespace', object: namespaceObject(name) };
  for (let s = 0; s < layout.services; s++) {
    yield { kind: 'service', object: serviceObject(layout, s) };
    if (layout.endpointsPerService > 0) yield { kind: 'endpointslice', object: endpointSliceObject(layout, s) };
  }
  for (let p = 0; p < layout.pods; p++) yield { kind: 'pod', object: podObject(layout, p) };
}
