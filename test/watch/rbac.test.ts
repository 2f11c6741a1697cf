import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { endpointSliceType, namespaceType, podType, serviceType } from '../../src/cluster/kube/resources.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** `group/resource` from a collection path: /api/v1/x is the core group, /apis/G/v/x group G. */
function groupResource(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts[0] === 'api' ? `/${parts[2]}` : `${parts[1]}/${parts[3]}`;
}

describe('deploy/rbac.yaml', async () => {
  const documents = parseAllDocuments(await readFile(new URL('../../deploy/rbac.yaml', import.meta.url), 'utf8')).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; rules?: Rule[]; roleRef?: { name: string }; subjects?: unknown[] },
  );

  it('grants list and watch on exactly the resources the source watches', () => {
    const role = documents.find((d) => d.kind === 'ClusterRole');
    const granted = new Set<string>();
    for (const rule of role?.rules ?? []) {
      expect(rule.verbs.sort()).toEqual(['list', 'watch']);
      for (const group of rule.apiGroups) for (const resource of rule.resources) granted.add(`${group}/${resource}`);
    }
    const watched = [serviceType({}), endpointSliceType({}), podType({}), namespaceType({})].map((t) => groupResource(t.path));
    expect([...granted].sort()).toEqual(watched.sort());
  });

  it('binds the role to the coredns service account under CoreDNS names', () => {
    const account = documents.find((d) => d.kind === 'ServiceAccount');
    const binding = documents.find((d) => d.kind === 'ClusterRoleBinding');
    expect(account?.metadata).toEqual({ name: 'coredns', namespace: 'kube-system' });
    expect(binding?.metadata.name).toBe('system:coredns');
    expect(binding?.roleRef?.name).toBe('system:coredns');
    expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }]);
  });
});
