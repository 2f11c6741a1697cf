import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const REPO = join(import.meta.dirname, '..', '..');
export const DEPLOY = join(REPO, 'deploy');

/** The parts of Kubernetes objects these tests read; the rest stays `unknown`. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, string>;
  readonly rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  readonly roleRef?: { apiGroup: string; kind: string; name: string };
  readonly subjects?: { kind: string; name: string; namespace?: string }[];
  readonly resources?: string[];
  readonly automountServiceAccountToken?: boolean;
}

/** One object and the file it came from (relative to the repository). */
export interface LoadedObject {
  readonly file: string;
  readonly object: KubeObject;
}

export interface ContainerPort {
  readonly containerPort: number;
  readonly name?: string;
  readonly protocol?: string;
}

export interface HttpProbe {
  readonly httpGet: { path: string; port: number | string; host?: string; scheme?: string };
  readonly initialDelaySeconds?: number;
  readonly timeoutSeconds?: number;
  readonly successThreshold?: number;
  readonly failureThreshold?: number;
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly args?: string[];
  readonly command?: string[];
  readonly ports?: ContainerPort[];
  readonly livenessProbe?: HttpProbe;
  readonly readinessProbe?: HttpProbe;
  readonly resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readonly volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  readonly securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
}

export interface PodSpec {
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken?: boolean;
  readonly priorityClassName?: string;
  readonly hostNetwork?: boolean;
  readonly dnsPolicy?: string;
  readonly securityContext?: { runAsNonRoot?: boolean };
  readonly containers: Container[];
  readonly initContainers?: Container[];
  readonly volumes?: { name: string; configMap?: { name: string; items?: { key: string; path: string }[] } }[];
}

export interface WorkloadSpec {
  readonly replicas?: number;
  readonly selector: { matchLabels: Record<string, string> };
  readonly template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly protocol?: string;
  readonly targetPort?: number | string;
}

export interface ServiceSpec {
  readonly selector: Record<string, string>;
  readonly clusterIP?: string;
  readonly ports: ServicePort[];
}

/** Every YAML file under `dir`, recursively, sorted. */
export function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => join(dir, name))
    .sort();
}

/** The objects of a multi-document YAML file; a syntax error fails with the file named. */
export function loadObjects(path: string): LoadedObject[] {
  const file = relative(REPO, path);
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
    return { file, object: document.toJS() as KubeObject };
  });
}

/** The one object of this kind and name; fails naming what is there instead. */
export function findObject(objects: readonly LoadedObject[], kind: string, name: string): KubeObject {
  const found = objects.filter(({ object }) => object.kind === kind && object.metadata.name === name);
  if (found.length !== 1) {
    const present = objects.map(({ object }) => `${object.kind}/${object.metadata.name}`).join(', ');
    throw new Error(`expected one ${kind}/${name}, found ${found.length} among: ${present}`);
  }
  return found[0]!.object;
}

/** The container port a Service target or a probe names, by number or by name, with its protocol. */
export function resolvePort(container: Container, port: number | string, protocol = 'TCP'): ContainerPort | undefined {
  return container.ports?.find(
    (candidate) =>
      (typeof port === 'number' ? candidate.containerPort === port : candidate.name === port) && (candidate.protocol ?? 'TCP') === protocol,
  );
}

/** Where a container finds a ConfigMap key: the mount path joined with the item's path. */
export function configMapFilePath(spec: PodSpec, container: Container, configMap: string, key: string): string | undefined {
  for (const volume of spec.volumes ?? []) {
    if (volume.configMap?.name !== configMap) continue;
    const mount = container.volumeMounts?.find((candidate) => candidate.name === volume.name);
    if (!mount) continue;
    const item = volume.configMap.items?.find((candidate) => candidate.key === key);
    return `${mount.mountPath}/${item?.path ?? key}`;
  }
  return undefined;
}
