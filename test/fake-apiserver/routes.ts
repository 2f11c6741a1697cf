import type { ObjectKind } from '../../src/cluster/types.ts';

export interface Route {
  readonly kind: ObjectKind;
  /** Set for namespaced paths (`/api/v1/namespaces/{ns}/services`); absent means all namespaces. */
  readonly namespace?: string;
}

const CORE = '/api/v1';
const DISCOVERY = '/apis/discovery.k8s.io/v1';
const MULTICLUSTER = '/apis/multicluster.x-k8s.io/v1alpha1';

const RESOURCES: ReadonlyArray<readonly [prefix: string, resource: string, kind: ObjectKind]> = [
  [CORE, 'services', 'service'],
  [CORE, 'pods', 'pod'],
  [DISCOVERY, 'endpointslices', 'endpointslice'],
  [MULTICLUSTER, 'serviceimports', 'serviceimport'],
];


/** Maps a collection path to what it lists; null for anything the fake does not serve. */
export function routeOf(pathname: string): Route | null {
  if (pathname === `${CORE}/namespaces`) return { kind: 'namespace' };
  for (const [prefix, resource, kind] of RESOURCES) {
    if (pathname === `${prefix}/${resource}`) return { kind };
    const namespaced = new RegExp(`^${prefix}/namespaces/([a-z0-9-]+)/${resource}$`).exec(pathname);
    if (namespaced) return { kind, namespace: namespaced[1] as string };
  }
  return null;
}

/** The collection path of a kind, for tests and tools that build URLs. */
export function collectionPath(kind: ObjectKind, namespace?: string): string {
  if (kind === 'namespace') return `${CORE}/namespaces`;
  const [prefix, resource] = RESOURCES.find(([, , k]) => k === kind) as readonly [string, string, ObjectKind];
  return namespace === undefined ? `${prefix}/${resource}` : `${prefix}/namespaces/${namespace}/${resource}`;
}
