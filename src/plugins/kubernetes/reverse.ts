import { addressFromReverse } from '../../dns/names.ts';
import type { DomainName } from '../../dns/types.ts';
import { endpointHostname, NAME_ERROR, records, type Entry, type Found, type Scope } from './backend.ts';
import { endpointReady, namespaceExposed, visibleSlice } from './exposure.ts';
import { join } from './zones.ts';

/**
 * What an address is the address of, as CoreDNS's serviceRecordForIP finds it: the first
 * service with that cluster IP, else every ready endpoint with it. Names are in the primary zone.
 * Like CoreDNS, only the `namespaces` option hides reverse answers (not `namespace_labels`).
 */
function namesForAddress(scope: Scope, ip: string): Entry[] {
  const { view, options } = scope;
  const zone = options.primaryZone;
  const limited = options.namespaces.size > 0;
  for (const service of view.servicesByClusterIP(ip)) {
    if (options.labels !== null && !options.labels.matches(service.labels)) continue;
    if (limited && !namespaceExposed(view, options, service.namespace)) continue;
    return [{ host: join(service.name, join(service.namespace, join('svc', zone))), port: 0, target: '', ttl: options.ttl }];
  }
  const entries: Entry[] = [];
  for (const slice of view.endpointSlicesByIP(ip)) {
    if (!visibleSlice(options, slice)) continue;
    if (limited && !namespaceExposed(view, options, slice.namespace)) continue;
    const domain = join(slice.serviceName, join(slice.namespace, join('svc', zone)));
    for (const endpoint of slice.endpoints) {
      if (!endpointReady(endpoint)) continue;
      for (const address of endpoint.addresses) {
        if (address !== ip) continue;
        entries.push({ host: join(endpointHostname(endpoint, address, options.endpointPodNames), domain), port: 0, target: '', ttl: options.ttl });
      }
    }
  }
  return entries;
}

/** CoreDNS's Reverse: PTR sources for a reverse name; other names only answer whether they exist. */
export function reverse(scope: Scope, name: DomainName): Found {
  const ip = addressFromReverse(name);
  if (ip === null) {
    const found = records(scope, name);
    return found === NAME_ERROR ? NAME_ERROR : [];
  }
  const entries = namesForAddress(scope, ip);
  return entries.length > 0 ? entries : NAME_ERROR;
}
