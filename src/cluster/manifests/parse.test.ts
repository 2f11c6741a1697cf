import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.ts';
import { thrownBy } from '../../test-support/errors.ts';
import { recordingLogger } from '../../test-support/log.ts';
import { ManifestError } from './errors.ts';
import { parseManifests } from './parse.ts';

function parse(text: string, path = 'cluster.yaml') {
  return parseManifests([{ path, text }], silentLogger);
}

const manifestError = (run: () => unknown): ManifestError => thrownBy(ManifestError, run);

const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

describe('parseManifests', () => {
  it('reads every document of a multi-document file, skipping empty ones', () => {
    const state = parse(`---\n${namespace('a')}---\n# only a comment\n---\n${namespace('b')}---\n`);
    expect(state.namespaces.map((n) => n.name)).toEqual(['a', 'b']);
    expect(state).toMatchObject({ services: [], pods: [], endpointSlices: [] });
  });

  it('converts each store kind into its list', () => {
    const state = parse(`
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {clusterIP: 10.96.0.7, ports: [{port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: [10.244.0.7]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop}
status: {podIP: 10.244.0.7}
`);
    expect(state.services.map((s) => `${s.namespace}/${s.name} ${s.clusterIPs.join()}`)).toEqual(['shop/web 10.96.0.7']);
    expect(state.endpointSlices.map((s) => s.serviceName)).toEqual(['web']);
    expect(state.pods.map((p) => p.ips)).toEqual([['10.244.0.7']]);
  });

  it('expands kind: List and typed lists whose items omit their type', () => {
    const state = parse(`
apiVersion: v1
kind: List
items:
  - ${namespace('one').trimEnd().replaceAll('\n', '\n    ')}
---
apiVersion: v1
kind: NamespaceList
items:
  - metadata: {name: two}
  - metadata: {name: three}
`);
    expect(state.namespaces.map((n) => n.name)).toEqual(['one', 'two', 'three']);
  });

  it('reads JSON', () => {
    const state = parse(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'json' } }), 'ns.json');
    expect(state.namespaces).toEqual([{ name: 'json', labels: {} }]);
  });

  it('skips other kinds with a debug log', () => {
    const { logger, lines } = recordingLogger();
    const state = parseManifests(
      [{ path: 'x.yaml', text: `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: myapp}\n---\n${namespace('kept')}` }],
      logger,
    );
    expect(state.namespaces.map((n) => n.name)).toEqual(['kept']);
    const ignored = lines.find((line) => line.msg === 'manifest object ignored');
    expect(ignored).toMatchObject({ level: 20, kind: 'Deployment', name: 'myapp', manifest: 'x.yaml (document 1, line 1)' });
  });

  it('lets a later duplicate win and warns naming both places', () => {
    const { logger, lines } = recordingLogger();
    const first = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: dup, labels: {v: "1"}}\n';
    const second = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: dup, labels: {v: "2"}}\n';
    const state = parseManifests(
      [
        { path: 'a.yaml', text: first },
        { path: 'b.yaml', text: `${namespace('other')}---\n${second}` },
      ],
      logger,
    );
    expect(state.namespaces).toEqual([
      { name: 'other', labels: {} },
      { name: 'dup', labels: { v: '2' } },
    ]);
    const warning = lines.find((line) => line.level === 40);
    expect(warning).toMatchObject({ earlier: 'a.yaml (document 1, line 1)', later: 'b.yaml (document 2, line 6)' });
  });

  it('names file, document and line of a YAML syntax error', () => {
    const error = manifestError(() => parse(`${namespace('ok')}---\napiVersion: v1\nkind: Namespace\nmetadata: {name: [broken\n`, 'bad.yaml'));
    expect(error).toMatchObject({ file: 'bad.yaml', document: 2 });
    expect(error.line).toBeGreaterThanOrEqual(8);
    expect(error.message).toMatch(/^bad\.yaml \(document 2, line \d+\): /);
  });

  it('refuses duplicate keys as kubectl does', () => {
    const error = manifestError(() => parse('apiVersion: v1\nkind: Namespace\nkind: Pod\nmetadata: {name: x}\n'));
    expect(error).toMatchObject({ document: 1, line: 3 });
  });

  it('names file, document, list item and object field of an invalid object', () => {
    const error = manifestError(() =>
      parse(`${namespace('ok')}---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Namespace
    metadata: {name: fine}
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {clusterIP: 10.96.0.300}
`),
    );
    expect(error).toMatchObject({ file: 'cluster.yaml', document: 2, item: 1, line: 12 });
    expect(error.message).toBe('cluster.yaml (document 2, items[1], line 12): Service default/web: spec.clusterIP: must be an IP address, got "10.96.0.300"');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('refuses documents that are not Kubernetes objects', () => {
    expect(manifestError(() => parse('- a\n- b\n')).message).toContain('expected a mapping');
    expect(manifestError(() => parse('metadata: {name: x}\n')).message).toContain('apiVersion and kind are required');
  });
});
