/**
 * What the burst asks: the cluster's names as pods with `ndots:5` and
 * `search <ns>.svc.cluster.local svc.cluster.local cluster.local` ask them. Dealt in rounds of 20
 * so every 100 queries hold exactly 60 positive A, 25 NXDOMAIN search-path misses, 10 AAAA NODATA
 * and 5 SRV; with pods served, 10 of the 60 A are pod names (`10-0-0-1.ns-1.pod.cluster.local`).
 * Services are drawn uniformly: after a burst every service has been asked for, as in a cluster
 * that has run for a while, rather than only the popular few.
 */
import { pickOne, shuffle, type Random } from '../bench/prng.ts';
import { namespaceOf, podIpOf, serviceName, serviceOfPod, type ClusterLayout } from './objects.ts';

export const DOMAIN = 'cluster.local';

export type QueryType = 'A' | 'AAAA' | 'SRV';
/** What a correct server answers: records, NXDOMAIN, or NOERROR without records. */
export type Expected = 'answer' | 'nxdomain' | 'nodata';

export interface BurstQuery {
  readonly name: string;
  readonly type: QueryType;
  readonly expected: Expected;
}

type Kind = 'service-a' | 'pod-a' | 'miss' | 'aaaa' | 'srv';

/** One round of 20 queries: 12 A, 5 misses, 2 AAAA, 1 SRV. */
export function roundKinds(withPods: boolean): Kind[] {
  const a: Kind[] = withPods ? [...Array<Kind>(10).fill('service-a'), 'pod-a', 'pod-a'] : Array<Kind>(12).fill('service-a');
  return [...a, ...Array<Kind>(5).fill('miss'), 'aaaa', 'aaaa', 'srv'];
}

const EXTERNAL_NAMES = ['api.github.com', 'www.googleapis.com', 'sts.amazonaws.com', 'registry.npmjs.org', 'login.microsoftonline.com'];

function serviceFqdn(layout: ClusterLayout, service: number): string {
  return `${serviceName(service)}.${namespaceOf(layout, service)}.svc.${DOMAIN}`;
}

function anyService(random: Random, layout: ClusterLayout): number {
  return Math.floor(random() * layout.services);
}

function otherNamespace(random: Random, layout: ClusterLayout, than: string): string {
  if (layout.namespaces < 2) return 'default';
  for (;;) {
    const namespace = `ns-${Math.floor(random() * layout.namespaces)}`;
    if (namespace !== than) return namespace;
  }
}

/**
 * A search-path miss: the first tries of a stub whose name does not exist as expanded —
 * `svc.ns` from another namespace (`svc-3.ns-3.ns-7.svc.cluster.local`), a full service name
 * without the final dot (`svc-3.ns-3.svc.cluster.local.ns-7.svc.cluster.local`, and the next
 * two suffixes), or an external name (`api.github.com.ns-7.svc.cluster.local`, ...).
 */
function miss(random: Random, layout: ClusterLayout): string {
  const service = anyService(random, layout);
  const home = namespaceOf(layout, service);
  const client = otherNamespace(random, layout, home);
  const suffixes = [`${client}.svc.${DOMAIN}`, `svc.${DOMAIN}`, DOMAIN];
  const pick = random();
  if (pick < 0.5) return `${serviceName(service)}.${home}.${client}.svc.${DOMAIN}`;
  if (pick < 0.8) return `${serviceFqdn(layout, service)}.${pickOne(random, suffixes)}`;
  return `${pickOne(random, EXTERNAL_NAMES)}.${pickOne(random, suffixes)}`;
}

function make(kind: Kind, random: Random, layout: ClusterLayout): BurstQuery {
  switch (kind) {
    case 'service-a':
      return { name: serviceFqdn(layout, anyService(random, layout)), type: 'A', expected: 'answer' };
    case 'pod-a': {
      const pod = Math.floor(random() * layout.pods);
      const namespace = namespaceOf(layout, serviceOfPod(layout, pod));
      return { name: `${podIpOf(pod).replaceAll('.', '-')}.${namespace}.pod.${DOMAIN}`, type: 'A', expected: 'answer' };
    }
    case 'miss':
      return { name: miss(random, layout), type: 'A', expected: 'nxdomain' };
    case 'aaaa':
      // IPv4-only services (headless ones too): the name exists, AAAA has no records.
      return { name: serviceFqdn(layout, anyService(random, layout)), type: 'AAAA', expected: 'nodata' };
    case 'srv': {
      const service = anyService(random, layout);
      return { name: `_http._tcp.${serviceFqdn(layout, service)}`, type: 'SRV', expected: 'answer' };
    }
  }
}

/** An endless, seeded stream of burst queries for a layout. */
export function* burstQueries(random: Random, layout: ClusterLayout): Generator<BurstQuery> {
  if (layout.services === 0) throw new Error('the burst needs at least one service');
  const deck = roundKinds(layout.pods > 0);
  for (;;) {
    for (const kind of shuffle(random, deck.slice())) yield make(kind, random, layout);
  }
}

