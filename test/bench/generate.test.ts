import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { corefileVariant } from '../../scripts/bench/corefiles.ts';
import { generateBench, renderQueryFile } from '../../scripts/bench/generate.ts';
import { renderManifests } from '../../scripts/bench/manifests.ts';
import { searchCandidates } from '../../scripts/bench/queries.ts';

const SMALL = { services: 100, namespaces: 10, queries: 10_000, seed: 7 };
const DOMAIN = 'cluster.local';

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { type?: string; clusterIP?: string; ports?: { name: string; protocol: string; port: number }[] };
  ports?: { name: string; protocol: string; port: number }[];
  endpoints?: { addresses: string[]; hostname?: string }[];
}

/**
 * An oracle written from the Kubernetes DNS specification and the objects in the YAML alone,
 * independent of the generator's own answer index.
 */
function specOracle(objects: K8sObject[]): (name: string, type: string) => 'A' | 'SRV' | 'NODATA' | 'NXDOMAIN' | 'CNAME' {
  const services = new Map<string, K8sObject>();
  const slices = new Map<string, K8sObject[]>();
  for (const o of objects) {
    if (o.kind === 'Service') services.set(`${o.metadata.name}.${o.metadata.namespace}`, o);
    if (o.kind === 'EndpointSlice') {
      const key = `${o.metadata.labels?.['kubernetes.io/service-name']}.${o.metadata.namespace}`;
      slices.set(key, [...(slices.get(key) ?? []), o]);
    }
  }
  return (name, type) => {
    if (!name.endsWith(`.svc.${DOMAIN}`)) return 'NXDOMAIN';
    const labels = name.slice(0, -`.svc.${DOMAIN}`.length).split('.');
    const [namespace, service] = [labels.at(-1)!, labels.at(-2)!];
    const svc = services.get(`${service}.${namespace}`);
    if (!svc) return 'NXDOMAIN';
    const rest = labels.slice(0, -2);
    const endpoints = (slices.get(`${service}.${namespace}`) ?? []).flatMap((s) => s.endpoints ?? []);
    if (rest.length === 0) {
      if (svc.spec?.type === 'ExternalName') return 'CNAME';
      return type === 'A' ? 'A' : 'NODATA';
    }
    if (rest.length === 1) return endpoints.some((e) => e.hostname === rest[0]) ? (type === 'A' ? 'A' : 'NODATA') : 'NXDOMAIN';
    if (rest.length === 2 && rest[0]!.startsWith('_') && rest[1]!.startsWith('_')) {
      const port = svc.spec?.ports?.find((p) => `_${p.name}` === rest[0] && `_${p.protocol.toLowerCase()}` === rest[1]);
      if (!port) return 'NXDOMAIN';
      return type === 'SRV' ? 'SRV' : 'NODATA';
    }
    return 'NXDOMAIN';
  };
}

function parseObjects(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText).map((d) => d.toJS() as K8sObject);
}

const bench = generateBench(SMALL);
const objects = parseObjects(renderManifests(bench.cluster, 'test'));

describe('bench generator', () => {
  it('is deterministic for a seed and changes with it', () => {
    const first = bench;
    const again = generateBench(SMALL);
    const other = generateBench({ ...SMALL, seed: 8 });
    expect(renderManifests(again.cluster, 'h')).toBe(renderManifests(first.cluster, 'h'));
    expect(renderQueryFile(again.queries)).toBe(renderQueryFile(first.queries));
    expect(again.samples).toEqual(first.samples);
    expect(renderQueryFile(other.queries)).not.toBe(renderQueryFile(first.queries));
  });

  it('writes the cluster shape scripts/bench/README.md describes as Kubernetes objects', () => {
    const services = objects.filter((o) => o.kind === 'Service');
    expect(objects.filter((o) => o.kind === 'Namespace')).toHaveLength(10);
    expect(services).toHaveLength(SMALL.services + 2);
    expect(services.some((s) => s.metadata.name === 'kubernetes' && s.metadata.namespace === 'default')).toBe(true);
    expect(services.some((s) => s.metadata.name === 'kube-dns' && s.metadata.namespace === 'kube-system')).toBe(true);
    const headless = services.filter((s) => s.spec?.clusterIP === 'None');
    expect(headless).toHaveLength(SMALL.services / 10);
    expect(services.filter((s) => s.spec?.type === 'ExternalName').length).toBeGreaterThan(0);
    for (const s of services.filter((x) => x.spec?.type !== 'ExternalName')) {
      expect(s.spec?.ports?.every((p) => p.name.length > 0)).toBe(true);
    }
    const slices = objects.filter((o) => o.kind === 'EndpointSlice');
    for (const h of headless) {
      const own = slices.filter((s) => s.metadata.namespace === h.metadata.namespace && s.metadata.labels?.['kubernetes.io/service-name'] === h.metadata.name);
      const endpoints = own.flatMap((s) => s.endpoints ?? []);
      expect(endpoints).toHaveLength(3);
      expect(endpoints.every((e) => typeof e.hostname === 'string')).toBe(true);
    }
  });

  it('sends the 60/25/10/5 mix as judged from the manifests, every NXDOMAIN a search-path try', () => {
    const classify = specOracle(objects);
    const counts: Record<string, number> = {};
    for (const q of bench.queries) {
      const cls = classify(q.name, q.type);
      const bucket = cls === 'NODATA' ? `NODATA ${q.type}` : cls;
      counts[bucket] = (counts[bucket] ?? 0) + 1;
      if (cls === 'NXDOMAIN') {
        const suffixes = [...bench.cluster.namespaces.map((ns) => `.${ns}.svc.${DOMAIN}`), `.svc.${DOMAIN}`, `.${DOMAIN}`];
        const relative = suffixes.filter((s) => q.name.endsWith(s)).map((s) => q.name.slice(0, -s.length));
        expect(relative.some((r) => r.split('.').length - 1 < 5), q.name).toBe(true);
      }
    }
    const total = bench.queries.length;
    expect((counts.A ?? 0) / total).toBeCloseTo(0.6, 2);
    expect((counts.NXDOMAIN ?? 0) / total).toBeCloseTo(0.25, 2);
    expect((counts['NODATA AAAA'] ?? 0) / total).toBeCloseTo(0.1, 2);
    expect((counts.SRV ?? 0) / total).toBeCloseTo(0.05, 2);
    expect(bench.mix.percent).toEqual({ A: 60, NXDOMAIN: 25, NODATA: 10, SRV: 5 });
  });

  it('makes a few names very popular (Zipf) and many rare', () => {
    const perName = new Map<string, number>();
    for (const q of bench.queries) if (q.type === 'A') perName.set(q.name, (perName.get(q.name) ?? 0) + 1);
    const sorted = [...perName.values()].sort((a, b) => b - a);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    expect(sorted[0]! / median).toBeGreaterThan(20);
  });

  it('gives expected answers per category that agree with the manifests', () => {
    const classify = specOracle(objects);
    const categories = new Set(bench.samples.map((s) => s.category));
    expect([...categories].sort()).toEqual(['A', 'NODATA', 'NXDOMAIN', 'SRV']);
    for (const sample of bench.samples) {
      expect(classify(sample.name, sample.type), sample.name).toBe(sample.category);
      expect(sample.rcode).toBe(sample.category === 'NXDOMAIN' ? 'NXDOMAIN' : 'NOERROR');
      expect(sample.answers.length > 0).toBe(sample.category === 'A' || sample.category === 'SRV');
    }
    const kubernetes = bench.samples.find((s) => s.name === `kubernetes.default.svc.${DOMAIN}`);
    const apiService = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'kubernetes');
    expect(kubernetes?.answers).toEqual([apiService?.spec?.clusterIP]);
    const headlessSrv = bench.samples.find((s) => s.type === 'SRV' && s.answers.length === 3);
    expect(headlessSrv?.answers.every((a) => a.startsWith('0 33 8080 '))).toBe(true);
  });

  it('expands relative names like a stub with ndots:5', () => {
    expect(searchCandidates('web', 'shop', DOMAIN)).toEqual(['web.shop.svc.cluster.local', 'web.svc.cluster.local', 'web.cluster.local', 'web']);
    expect(searchCandidates('a.b.c.d.e.f', 'shop', DOMAIN)[0]).toBe('a.b.c.d.e.f');
    expect(searchCandidates('web.shop.svc.cluster.local.', 'x', DOMAIN)).toEqual(['web.shop.svc.cluster.local']);
  });

  it('renders Corefile variants on the given port with the manifests path', () => {
    const context = { port: 15353, manifests: '/tmp/x/cluster.yaml', auxPorts: { health: 1, ready: 2, metrics: 3, deadUpstream: 4 } };
    const plain = corefileVariant('kubernetes').render(context);
    expect(plain).toContain('.:15353 {');
    expect(plain).toContain('bind 127.0.0.1');
    expect(plain).toContain('manifests /tmp/x/cluster.yaml');
    const full = corefileVariant('default').render(context);
    expect(full).toContain('    cache 30 {\n        disable success cluster.local\n        disable denial cluster.local\n    }\n');
    expect(corefileVariant('prometheus').render(context)).toContain('    prometheus 127.0.0.1:3\n');
    expect(full).toContain('    forward . 127.0.0.1:4\n');
    expect(corefileVariant('kubernetes').render({ ...context, manifests: '/tmp/a b/c.yaml' })).toContain('manifests "/tmp/a b/c.yaml"');
    expect(() => corefileVariant('nope')).toThrow(/unknown Corefile variant/);
  });
});
