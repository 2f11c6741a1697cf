import { isIP } from 'node:net';
import type { ClusterView, EndpointSlice, Service, ServicePort } from '../../cluster/types.ts';
import { RRType } from '../../dns/constants.ts';
import type { DomainName, ResourceRecord } from '../../dns/types.ts';
import { soaRecord } from './answer.ts';
import { endpointHostname, isMultiClusterZone, nameserverEntries, type Scope } from './backend.ts';
import { endpointReady, namespaceExposed, serviceSlices } from './exposure.ts';
import type { AnswerOptions } from './options.ts';
import { join } from './zones.ts';

function addressRecord(name: DomainName, ttl: number, address: string): ResourceRecord | null {
  const family = isIP(address);
  if (family === 4) return { type: RRType.A, name, ttl, address };
  if (family === 6) return { type: RRType.AAAA, name, ttl, address };
  return null;
}

function srvRecord(name: DomainName, ttl: number, weight: number, port: number, target: DomainName): ResourceRecord {
  return { type: RRType.SRV, name, ttl, priority: 0, weight, port, target };
}

/** `_http._tcp.<domain>` for a named port: name and protocol lower-cased, as CoreDNS writes them. */
function portName(protocol: string, name: string, domain: DomainName): DomainName {
  return join(`_${name.toLowerCase()}`, join(`_${protocol.toLowerCase()}`, domain));
}

/** plugin.SRV's weight for n equal entries, as CoreDNS's calcSRVWeight: 100/n, at least 1. */
function srvWeight(entries: number): number {
  return Math.max(1, Math.floor((100 / (100 * entries)) * 100));
}

/**
 * A ClusterIP, NodePort or LoadBalancer service (or a ClusterSetIP import) with its addresses: as
 * CoreDNS's transferServices writes it.
 */
function clusterIPRecords(ips: readonly string[], ports: readonly ServicePort[], domain: DomainName, ttl: number, out: ResourceRecord[]): void {
  for (const ip of ips) {
    const record = addressRecord(domain, ttl, ip);
    if (record !== null) out.push(record);
  }
  for (const port of ports) {
    // The bare-name SRV is for peer-finder (coredns/coredns#823); unnamed ports have no other.
    out.push(srvRecord(domain, ttl, 100, port.port, domain));
    if (port.name !== '') out.push(srvRecord(portName(port.protocol, port.name, domain), ttl, 100, port.port, domain));
  }
}

/** A headless service's slices: each ready address at the service and under its own name, SRV per named port of its slice. */
function headlessRecords(slices: readonly EndpointSlice[], domain: DomainName, options: AnswerOptions, out: ResourceRecord[]): void {
  for (const slice of slices) {
    const ready = slice.endpoints.filter(endpointReady);
    const weight = srvWeight(ready.reduce((count, endpoint) => count + endpoint.addresses.length, 0));
    for (const endpoint of ready) {
      for (const address of endpoint.addresses) {
        const atService = addressRecord(domain, options.ttl, address);
        if (atService === null) continue;
        out.push(atService);
        const host = join(endpointHostname(endpoint, address, options.endpointPodNames), domain);
        out.push(addressRecord(host, options.ttl, address)!);
        for (const port of slice.ports) {
          if (port.name !== '') out.push(srvRecord(portName(port.protocol, port.name, domain), options.ttl, weight, port.port, host));
        }
      }
    }
  }
}

function byNameThenNamespace(a: { name: string; namespace: string }, b: { name: string; namespace: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0;
}

/**
 * A multicluster zone's services, as CoreDNS's transferMultiClusterServices writes them: each
 * ServiceImport by name, a ClusterSetIP one as a ClusterIP service, a headless one's ready
 * endpoints of every cluster under their own names (without the cluster label, as CoreDNS).
 */
function multiClusterRecords(scope: Scope, out: ResourceRecord[]): void {
  const { view, options, zone } = scope;
  const imports = [...view.serviceImports()].filter((imported) => namespaceExposed(view, options, imported.namespace)).sort(byNameThenNamespace);
  for (const imported of imports) {
    const domain = join(imported.name, join(imported.namespace, join('svc', zone)));
    if (imported.type === 'ClusterSetIP' && imported.ips.length > 0) clusterIPRecords(imported.ips, imported.ports, domain, options.ttl, out);
    else headlessRecords(view.multiClusterSlices(imported.namespace, imported.name), domain, options, out);
  }
}

/**
 * The zone's records in the order of CoreDNS's kubernetes Transfer (xfr.go): the SOA; NS records
 * and their addresses; every exposed service by name (then namespace, where CoreDNS's sort leaves
 * the order open), each as the queries for it answer: ClusterIP addresses and SRV records with
 * weight 100, a headless service's ready endpoints at the service and under their own names with
 * SRV weighted per slice, an ExternalName's CNAME; the SOA again. Not-ready endpoints are left
 * out. For IXFR, a `serial` equal to the zone's gets the SOA alone (nothing changed).
 */
export function zoneTransfer(view: ClusterView, options: AnswerOptions, zone: DomainName, serial: number | null): ResourceRecord[] {
  const soa = soaRecord(view, options, zone);
  if (serial !== null && serial === soa.serial) return [soa];
  const scope: Scope = { view, options, zone };
  const records: ResourceRecord[] = [soa];
  const nameservers = nameserverEntries(scope);
  for (const target of new Set(nameservers.map((entry) => entry.target))) {
    records.push({ type: RRType.NS, name: zone, ttl: options.ttl, target });
  }
  for (const entry of nameservers) {
    const glue = addressRecord(entry.target, entry.ttl, entry.host);
    if (glue !== null) records.push(glue);
  }
  if (isMultiClusterZone(options, zone)) {
    multiClusterRecords(scope, records);
    records.push(soa);
    return records;
  }
  const services = [...view.services()]
    .filter((service) => namespaceExposed(view, options, service.namespace) && (options.labels === null || options.labels.matches(service.labels)))
    .sort(byNameThenNamespace);
  for (const service of services) {
    const domain = join(service.name, join(service.namespace, join('svc', zone)));
    if (service.type === 'ExternalName') {
      const host = (service.externalName ?? '').toLowerCase().replace(/\.$/, '');
      if (host !== '' && isIP(host) === 0) records.push({ type: RRType.CNAME, name: domain, ttl: options.ttl, target: host });
    } else if (!service.headless && service.clusterIPs.length > 0) {
      clusterIPRecords(service.clusterIPs, service.ports, domain, options.ttl, records);
    } else {
      headlessRecords(serviceSlices(view, options, service.namespace, service.name), domain, options, records);
    }
  }
  records.push(soa);
  return records;
}
