import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServerKeys } from '../../src/corefile/address.ts';
import { loadCorefile, parseCorefile } from '../../src/corefile/parse.ts';
import { plugins } from '../../src/test-support/plugins.ts';
import { planServer } from '../../src/server/config.ts';
import { corefileShape, dnsPorts, directivesNamed, httpAddresses, missingPlugins } from './corefile-facts.ts';
import { configMapFilePath, DEPLOY, findObject, loadObjects, REPO, resolvePort, yamlFiles, type ServiceSpec, type WorkloadSpec } from './manifests.ts';

const LOCAL_ADDRESS = '169.254.20.10';
const CLUSTER_ZONES = ['cluster.local', 'in-addr.arpa', 'ip6.arpa'];

const objects = yamlFiles(join(DEPLOY, 'nodelocal')).flatMap(loadObjects);
const kubeDns = findObject(loadObjects(join(DEPLOY, 'service.yaml')), 'Service', 'kube-dns');
const daemonSet = findObject(objects, 'DaemonSet', 'node-local-dns');
const workload = daemonSet.spec as unknown as WorkloadSpec;
const pod = workload.template.spec;
const container = pod.containers.find((candidate) => candidate.name === 'node-cache')!;
const configMap = findObject(objects, 'ConfigMap', 'node-local-dns');
const corefile = parseCorefile(configMap.data?.['Corefile'] ?? '', 'deploy/nodelocal/configmap.yaml Corefile');

describe('the node-local cache DaemonSet', () => {
  it('runs on every node\'s network with the node\'s resolvers, node-critical', () => {
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('Default');
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(Object.entries(workload.selector.matchLabels).every(([key, value]) => workload.template.metadata.labels[key] === value)).toBe(true);
  });

  it('has an account without a token: the cache reads nothing from the API', () => {
    const account = findObject(objects, 'ServiceAccount', pod.serviceAccountName ?? 'default');
    expect(account.automountServiceAccountToken).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(objects.some(({ object }) => object.kind.endsWith('Binding'))).toBe(false);
  });

  it('reads its Corefile from the ConfigMap, with the image\'s arguments', () => {
    expect(container.args).toEqual(['-conf', '/etc/coredns/Corefile']);
    expect(configMapFilePath(pod, container, 'node-local-dns', 'Corefile')).toBe('/etc/coredns/Corefile');
  });

  it('adds NET_BIND_SERVICE only and keeps the root filesystem read-only', () => {
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
      readOnlyRootFilesystem: true,
    });
  });

  it('puts the local address on the node before the cache binds it', () => {
    const [init] = pod.initContainers ?? [];
    expect(init?.securityContext?.capabilities).toEqual({ add: ['NET_ADMIN'], drop: ['ALL'] });
    expect(init?.command?.join(' ')).toContain(`ip addr add ${LOCAL_ADDRESS}/32`);
  });

  it('exposes DNS and metrics on the ports the Corefile listens on; the headless Service targets metrics', () => {
    for (const port of dnsPorts(corefile)) {
      expect(resolvePort(container, port, 'UDP')?.name).toBe('dns');
      expect(resolvePort(container, port, 'TCP')?.name).toBe('dns-tcp');
    }
    const [metrics] = httpAddresses(corefile, 'prometheus');
    expect(httpAddresses(corefile, 'prometheus')).toHaveLength(1);
    expect(resolvePort(container, metrics!.port)?.name).toBe('metrics');
    const service = findObject(objects, 'Service', 'node-local-dns');
    const spec = service.spec as unknown as ServiceSpec;
    expect(spec.clusterIP).toBe('None');
    expect(Object.entries(spec.selector).every(([key, value]) => workload.template.metadata.labels[key] === value)).toBe(true);
    for (const port of spec.ports) expect(resolvePort(container, port.targetPort ?? port.port, port.protocol)?.name).toBe('metrics');
  });

  it('probes /health where the Corefile serves it, on the local address', () => {
    const probe = container.livenessProbe!;
    expect(probe.httpGet.path).toBe('/health');
    expect(httpAddresses(corefile, 'health')).toEqual([{ host: probe.httpGet.host, port: probe.httpGet.port }]);
    expect(probe.httpGet.host).toBe(LOCAL_ADDRESS);
  });
});

describe('the node-local cache\'s Corefile', () => {
  it('is corefile-examples/nodelocal/Corefile', () => {
    const example = loadCorefile(join(REPO, 'corefile-examples', 'nodelocal', 'Corefile'));
    expect(corefileShape(corefile)).toEqual(corefileShape(example));
  });

  it('listens on the local address only, in every block', () => {
    for (const block of corefile.blocks) {
      const binds = block.directives.filter((directive) => directive.name.text === 'bind');
      expect(binds.flatMap((directive) => directive.args.map((arg) => arg.text)), block.keys[0]?.text).toEqual([LOCAL_ADDRESS]);
    }
  });

  it('sends cluster zones over TCP to the kube-dns Service, and the rest to the node\'s resolvers', () => {
    const clusterIP = (kubeDns.spec as unknown as ServiceSpec).clusterIP;
    for (const block of corefile.blocks) {
      const zones = block.keys.flatMap((key) => parseServerKeys(key).map((address) => address.zone));
      const forward = block.directives.find((directive) => directive.name.text === 'forward');
      const targets = forward?.args.slice(1).map((arg) => arg.text);
      const options = forward?.block?.map((option) => option.name.text) ?? [];
      if (zones.every((zone) => CLUSTER_ZONES.includes(zone))) {
        expect(targets, zones.join(' ')).toEqual([clusterIP]);
        expect(options).toContain('force_tcp');
      } else {
        expect(zones).toEqual(['']);
        expect(targets).toEqual(['/etc/resolv.conf']);
      }
    }
    expect(directivesNamed(corefile, 'forward')).toHaveLength(corefile.blocks.length);
  });

  it('uses only compiled-in plugins and plans as a server', () => {
    const missing = missingPlugins(corefile, plugins);
    expect(missing, `not compiled in (src/plugins/index.ts): ${missing.join(', ')}`).toEqual([]);
    const plan = planServer(corefile, { registry: plugins });
    expect(plan.listeners.map(({ host, port }) => [host, port])).toEqual([[LOCAL_ADDRESS, 53]]);
  });
});
