import { formatIPv4, formatIPv6, hexValue } from '../../dns/ip.ts';
import type { DomainName } from '../../dns/types.ts';
import { endpointHostname, NAME_ERROR, records, type Entry, type Found, type Scope } from './backend.ts';
import { endpointReady, namespaceExposed, visibleSlice } from './exposure.ts';
import { join } from './zones.ts';

const V4_SUFFIX = '.in-addr.arpa';
const V6_SUFFIX = '.ip6.arpa';

/** The address a full reverse name stands for, in canonical text; null for partial or malformed names. */
export function addressFromReverse(name: DomainName): string | null {
  if (name.endsWith(V4_SUFFIX)) {
    const labels = name.slice(0, -V4_SUFFIX.length).split('.');
    if (labels.length !== 4) return null;
    const bytes = new Uint8Array(4);
    for (let i = 0; i < 4; i++) {
      const label = labels[3 - i]!;
      if (!/^(0|[1-9]\d{0,2})$/.test(label) || Number(label) > 255) return null;
      bytes[i] = Number(label);
    }
    return formatIPv4(bytes, 0);
  }
  if (name.endsWith(V6_SUFFIX)) {
    const labels = name.slice(0, -V6_SUFFIX.length).split('.');
    if (labels.length !== 32) return null;
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 32; i++) {
      const label = labels[31 - i]!;
      const nibble = label.length === 1 ? hexValue(label.charCodeAt(0)) : -1;
      if (nibble < 0) return null;
      bytes[i >> 1] = bytes[i >> 1]! | (i % 2 === 0 ? nibble << 4 : nibble);
    }
    return formatIPv6(bytes, 0);
  }
  return null;
}

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
