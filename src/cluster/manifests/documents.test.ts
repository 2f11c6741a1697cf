import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.ts';
import { createClusterStore } from '../store.ts';
import { ManifestDocuments } from './documents.ts';
import { ManifestError } from './errors.ts';
import { ManifestSource } from './source.ts';

function service(name: string, clusterIP: string, namespace = 'default'): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { clusterIP, ports: [{ port: 80 }] } };
}

describe('ManifestDocuments', () => {
  it('creates, replaces by identity and deletes, objects and YAML text alike', () => {
    const documents = new ManifestDocuments(silentLogger);
    documents.apply([service('a', '10.96.0.1'), `${JSON.stringify(service('b', '10.96.0.2'))}\n---\nkind: ConfigMap\napiVersion: v1\n`]);
    documents.apply(service('a', '10.96.0.3'));
    expect(documents.state.services.map(({ name, clusterIPs }) => [name, clusterIPs[0]])).toEqual([
      ['a', '10.96.0.3'],
      ['b', '10.96.0.2'],
    ]);
    documents.delete([service('a', 'None'), service('missing', 'None')]);
    expect(documents.state.services.map(({ name }) => name)).toEqual(['b']);
  });

  it('refuses a batch with a bad object whole, naming its index and the object', () => {
    const documents = new ManifestDocuments(silentLogger);
    documents.apply(service('a', '10.96.0.1'));
    const bad = { ...service('b', '10.96.0.2', 'shop'), spec: { ports: [{ port: 'eighty' }] } };
    expect(() => documents.apply([service('c', '10.96.0.4'), bad])).toThrow(ManifestError);
    expect(() => documents.apply([service('c', '10.96.0.4'), bad])).toThrow(/^manifests\[1\] \(Service shop\/b\): /);
    expect(() => documents.apply('kind: Service\n---\n: [')).toThrow(/^manifests\[0\] \(document 1/);
    expect(documents.state.services.map(({ name }) => name)).toEqual(['a']);
  });

  it('feeds a ManifestSource, whose store holds each change before apply returns', async () => {
    const documents = new ManifestDocuments(silentLogger);
    documents.apply(service('a', '10.96.0.1'));
    const store = createClusterStore();
    const source = new ManifestSource({ documents, logger: silentLogger });
    await source.start(store);
    expect(store.synced).toBe(true);
    documents.apply(service('b', '10.96.0.2'));
    expect(store.service('default', 'b')?.clusterIPs).toEqual(['10.96.0.2']);
    await source.stop();
    documents.delete(service('b', 'None'));
    expect(store.service('default', 'b')).toBeDefined();
  });
});
