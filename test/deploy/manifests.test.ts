import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointSliceType, namespaceType, podType, serviceType } from '../../src/cluster/kube/resources.ts';
import { loadCorefile, parseCorefile } from '../../src/corefile/parse.ts';
import { plugins } from '../../src/test-support/plugins.ts';
import { planServer } from '../../src/server/config.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { corefileShape, dnsPorts, httpAddresses, missingPlugins } from './corefile-facts.ts';
import {
  configMapFilePath,
  DEPLOY,
  findObject,
  loadObjects,
  REPO,
  resolvePort,
  yamlFiles,
  type ServiceSpec,
  type WorkloadSpec,
} from './manifests.ts';

const NAMESPACE = 'kube-system';
const all = yamlFiles(DEPLOY).flatMap(loadObjects);
const core = readdirSync(DEPLOY)
  .filter((name) => /\.ya?ml$/.test(name))
  .flatMap((name) => loadObjects(join(DEPLOY, name)));

const deployment = findObject(core, 'Deployment', 'coredns');
const workload = deployment.spec as unknown as WorkloadSpec;
const pod = workload.template.spec;
const container = pod.containers.find((candidate) => candidate.name === 'coredns')!;
const service = findObject(core, 'Service', 'kube-dns');
const serviceSpec = service.spec as unknown as ServiceSpec;
const configMap = findObject(core, 'ConfigMap', 'coredns');
const corefile = parseCorefile(configMap.data?.['Corefile'] ?? '', 'deploy/configmap.yaml Corefile');

/** `/api/v1/services` -> `/services`, `/apis/discovery.k8s.io/v1/endpointslices` -> `discovery.k8s.io/endpointslices`. */
function groupResource(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts[0] === 'api' ? `/${parts[2]}` : `${parts[1]}/${parts[3]}`;
}

function isSubset(labels: Record<string, string>, of: Record<string, string>): boolean {
  return Object.entries(labels).every(([key, value]) => of[key] === value);
}

describe('deploy/ manifests', () => {
  it('parse into named objects, the namespaced ones in kube-system', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const { file, object } of all) {
      expect(object.apiVersion, file).toMatch(/^([a-z0-9.-]+\/)?v\d/);
      if (object.kind === 'Kustomization') continue;
      expect(object.metadata?.name, `${file} ${object.kind}`).toMatch(/^[a-z0-9:.-]+$/);
      const clusterScoped = object.kind === 'ClusterRole' || object.kind === 'ClusterRoleBinding';
      expect(object.metadata.namespace, `${file} ${object.kind}/${object.metadata.name}`).toBe(clusterScoped ? undefined : NAMESPACE);
    }
  });

  it('list every manifest of their folder in its kustomization.yaml', () => {
    const kustomizations = all.filter(({ object }) => object.kind === 'Kustomization');
    expect(kustomizations.map(({ file }) => file).sort()).toEqual(['deploy/kustomization.yaml', 'deploy/nodelocal/kustomization.yaml']);
    for (const { file, object } of kustomizations) {
      const folder = join(REPO, dirname(file));
      const siblings = readdirSync(folder).filter((name) => /\.ya?ml$/.test(name) && name !== basename(file));
      expect([...(object.resources ?? [])].sort(), file).toEqual(siblings.sort());
    }
  });
});

describe('the coredns Deployment', () => {
  it('is kubeadm\'s: name, labels, two replicas, critical priority, the node\'s resolvers', () => {
    expect(deployment.metadata.labels).toMatchObject({ 'k8s-app': 'kube-dns' });
    expect(workload.replicas).toBe(2);
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(pod.dnsPolicy).toBe('Default');
    expect(container.args).toEqual(['-conf', '/etc/coredns/Corefile']);
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '70Mi' }, limits: { memory: '170Mi' } });
  });

  it('runs the image of this version', () => {
    expect(container.image).toBe(`clusterdns:${packageJson.version}`);
  });

  it('selects its own pods, and the kube-dns Service selects them too', () => {
    const labels = workload.template.metadata.labels;
    expect(labels).toMatchObject({ 'k8s-app': 'kube-dns' });
    expect(isSubset(workload.selector.matchLabels, labels)).toBe(true);
    expect(isSubset(serviceSpec.selector, labels)).toBe(true);
  });

  it('uses the service account that the ClusterRoleBinding binds to the ClusterRole', () => {
    const account = findObject(core, 'ServiceAccount', pod.serviceAccountName ?? 'default');
    const binding = core.map(({ object }) => object).find((object) => object.kind === 'ClusterRoleBinding');
    expect(binding?.subjects).toContainEqual({ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace });
    expect(binding?.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' });
    findObject(core, 'ClusterRole', binding!.roleRef!.name);
  });

  it('may list and watch exactly what the API source watches, nothing more', () => {
    const role = findObject(core, 'ClusterRole', 'system:coredns');
    const granted = new Set<string>();
    for (const rule of role.rules ?? []) {
      expect([...rule.verbs].sort()).toEqual(['list', 'watch']);
      for (const group of rule.apiGroups) for (const resource of rule.resources) granted.add(`${group}/${resource}`);
    }
    const watched = [serviceType({}), endpointSliceType({}), podType({}), namespaceType({})].map((type) => groupResource(type.path));
    expect([...granted].sort()).toEqual(watched.sort());
  });

  it('mounts the ConfigMap\'s Corefile where -conf reads it', () => {
    expect(configMap.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(configMapFilePath(pod, container, 'coredns', 'Corefile')).toBe(container.args?.[1]);
    expect(container.volumeMounts?.every((mount) => mount.readOnly)).toBe(true);
  });

  it('exposes dns, dns-tcp and metrics as CoreDNS does, and the Service targets each', () => {
    expect(container.ports).toEqual(
      expect.arrayContaining([
        { containerPort: 53, name: 'dns', protocol: 'UDP' },
        { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
        { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
      ]),
    );
    expect(serviceSpec.ports.map(({ name, port, protocol }) => [name, port, protocol])).toEqual([
      ['dns', 53, 'UDP'],
      ['dns-tcp', 53, 'TCP'],
      ['metrics', 9153, 'TCP'],
    ]);
    for (const port of serviceSpec.ports) {
      const target = resolvePort(container, port.targetPort ?? port.port, port.protocol ?? 'TCP');
      expect(target, `Service port ${port.name}`).toBeDefined();
      expect(target?.name).toBe(port.name);
    }
  });

  it('probes /health and /ready with CoreDNS\'s timings', () => {
    expect(container.livenessProbe).toMatchObject({
      httpGet: { path: '/health', scheme: 'HTTP' },
      initialDelaySeconds: 60,
      timeoutSeconds: 5,
      successThreshold: 1,
      failureThreshold: 5,
    });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/ready', scheme: 'HTTP' } });
    expect(resolvePort(container, container.livenessProbe!.httpGet.port)).toBeDefined();
    expect(resolvePort(container, container.readinessProbe!.httpGet.port)).toBeDefined();
  });

  it('adds NET_BIND_SERVICE only, drops everything else, and keeps the root filesystem read-only', () => {
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
      readOnlyRootFilesystem: true,
    });
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
  });
});

describe('the kube-dns Service', () => {
  it('is at 10.96.0.10 in kube-system', () => {
    expect(service.metadata.namespace).toBe(NAMESPACE);
    expect(serviceSpec.clusterIP).toBe('10.96.0.10');
  });
});

describe('the coredns ConfigMap\'s Corefile', () => {
  it('is corefile-examples/kubeadm/Corefile', () => {
    const example = loadCorefile(join(REPO, 'corefile-examples', 'kubeadm', 'Corefile'));
    expect(corefileShape(corefile)).toEqual(corefileShape(example));
  });

  it('uses only compiled-in plugins and plans as a server', () => {
    const missing = missingPlugins(corefile, plugins);
    expect(missing, `not compiled in (src/plugins/index.ts): ${missing.join(', ')}`).toEqual([]);
    const plan = planServer(corefile, { registry: plugins });
    expect(plan.listeners.map(({ host, port }) => [host, port])).toEqual([['', 53]]);
  });

  it('listens where the Deployment expects: DNS on its dns ports, health, ready and metrics on the probed and exposed ports', () => {
    for (const port of dnsPorts(corefile)) {
      expect(resolvePort(container, port, 'UDP')?.name, `DNS port ${port}`).toBe('dns');
      expect(resolvePort(container, port, 'TCP')?.name, `DNS port ${port}`).toBe('dns-tcp');
    }
    // Probes and scrapes come from outside the pod: every interface, not localhost.
    const liveness = resolvePort(container, container.livenessProbe!.httpGet.port);
    const readiness = resolvePort(container, container.readinessProbe!.httpGet.port);
    expect(httpAddresses(corefile, 'health')).toEqual([{ host: '', port: liveness?.containerPort }]);
    expect(httpAddresses(corefile, 'ready')).toEqual([{ host: '', port: readiness?.containerPort }]);
    expect(httpAddresses(corefile, 'prometheus')).toEqual([{ host: '', port: resolvePort(container, 'metrics')?.containerPort }]);
  });
});

it('every manifest folder is covered here', () => {
  const folders = new Set(all.map(({ file }) => relative('deploy', dirname(file)) || '.'));
  expect([...folders].sort()).toEqual(['.', 'nodelocal']);
  expect(readFileSync(join(DEPLOY, 'README.md'), 'utf8')).toContain('nodelocal/');
});
