import { readFileSync } from 'node:fs';
import type { ClusterView } from '../../cluster/types.ts';
import type { DomainName } from '../../dns/types.ts';
import { parseResolvConf } from '../../resolver/resolv-conf.ts';
import type { SearchPath } from '../../toolkit/offers.ts';
import type { Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import type { PodMode } from './options.ts';
import { join } from './zones.ts';

/** The search domains of this server's own resolv.conf, which CoreDNS appends to every pod's path. */
export function searchFromResolvConf(path = '/etc/resolv.conf'): DomainName[] {
  try {
    return [...(parseResolvConf(readFileSync(path, 'utf8')).search ?? [])];
  } catch {
    return [];
  }
}

/** An AutoPather that answers at once, and by (client address, name) for the workers that ask. */
export interface ClusterAutoPather {
  searchPath(remoteAddress: string, qname: DomainName): SearchPath;
  autoPath(request: Pick<Request, 'query' | 'remoteAddress'>): SearchPath;
}

/**
 * CoreDNS's Kubernetes.AutoPath: for a query in one of `zones` from a pod's IP (with `pods
 * verified`, the only mode that watches pods), the pod's ClusterFirst search list
 * (`<ns>.svc.<zone>`, `svc.<zone>`, `<zone>`), then `localSearch`, then ''.
 */
export function createAutoPather(
  view: ClusterView,
  zones: readonly DomainName[],
  pods: PodMode,
  localSearch: readonly DomainName[],
): ClusterAutoPather {
  const searchPath = (ip: string, qname: DomainName): SearchPath => {
    const zone = matchZone(zones, qname);
    if (zone === null || pods !== 'verified') return null;
    // CoreDNS indexes pods by status.podIP (the first address) and takes the first match.
    const pod = view.podsByIP(ip).find((candidate) => candidate.ips[0] === ip);
    if (pod === undefined) return null;
    const svc = join('svc', zone);
    return [join(pod.namespace, svc), svc, zone, ...localSearch, ''];
  };
  return { searchPath, autoPath: (request) => searchPath(request.remoteAddress, request.query.name) };
}
