import { isIP } from 'node:net';
import type { ClusterView, Endpoint, EndpointPort, EndpointSlice } from '../../cluster/types.ts';
import { RRType } from '../../dns/constants.ts';
import type { DomainName } from '../../dns/types.ts';
import {
  endpointReady,
  namespaceExposed,
  serviceSlices,
  visibleService,
  visiblePod,
  visibleSlice,
} from './exposure.ts';
import type { AnswerOptions } from './options.ts';
import { parseRequest, type RecordRequest } from './request.ts';
import { isReverseName, join } from './zones.ts';

/**
 * One thing a name stands for, before it becomes records: CoreDNS's msg.Service. `host` is an
 * address (A/AAAA) or a name (CNAME); `target` is the name SRV and NS records point at.
 */
export interface Entry {
  readonly host: string;
  /** -1 when the service or slice declares no port: such entries make no SRV record. */
  readonly port: number;
  readonly target: DomainName;
  readonly ttl: number;
  /** Set for TXT entries, whose host is empty. */
  readonly text?: string;
}

/** The name does not exist (CoreDNS's errNoItems, errNsNotExposed and errInvalidRequest). */
export const NAME_ERROR: unique symbol = Symbol('name error');
export type Found = readonly Entry[] | typeof NAME_ERROR;

/** Where a lookup happens: the cluster as seen, the configuration, and the zone the name is in. */
export interface Scope {
  readonly view: ClusterView;
  readonly options: AnswerOptions;
  readonly zone: DomainName;
}

export const DNS_SCHEMA_VERSION = '1.1.0';
/** CoreDNS hard-codes the TTL of `dns-version` to 8 hours. */
export const DNS_VERSION_TTL = 28800;

const NO_PORT: EndpointPort = { name: '', protocol: 'TCP', port: -1 };
const NO_PORTS: readonly EndpointPort[] = [NO_PORT];

export function sameFold(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/** A port matches when the query names no port (or no protocol) or names this one, case-insensitively. */
export function portMatches(request: RecordRequest, port: { readonly name: string; readonly protocol: string; readonly port: number }): boolean {
  // The no-port sentinel has no protocol either, so it only matches a query naming neither.
  const protocol = port === NO_PORT ? '' : port.protocol;
  return (request.port === '' || sameFold(request.port, port.name)) && (request.protocol === '' || sameFold(request.protocol, protocol));
}

/**
 * The label an endpoint address has under its service: its hostname, else (with
 * `endpoint_pod_names`) its pod's name, else its address with dashes.
 */
export function endpointHostname(endpoint: Endpoint, address: string, endpointPodNames: boolean): string {
  if (endpoint.hostname) return endpoint.hostname;
  // CoreDNS drops pod names too long to be a label.
  if (endpointPodNames && endpoint.targetRef && endpoint.targetRef.name.length < 64) return endpoint.targetRef.name;
  if (address.includes('.')) return address.replaceAll('.', '-');
  const dashed = address.replaceAll(':', '-');
  return dashed.endsWith('-') ? `${dashed}0` : dashed;
}

function serviceDomain(name: string, namespace: string, zone: DomainName): DomainName {
  return join(name, join(namespace, join('svc', zone)));
}

function readyAddressCount(slices: readonly EndpointSlice[]): number {
  let count = 0;
  for (const slice of slices) for (const endpoint of slice.endpoints) if (endpointReady(endpoint)) count += endpoint.addresses.length;
  return count;
}

/** The ready endpoints' entries, those in `topologyZone` (lower-cased, as names arrive) when one is given. */
function endpointEntries(
  slices: readonly EndpointSlice[],
  request: RecordRequest,
  topologyZone: string,
  domain: DomainName,
  options: AnswerOptions,
  entries: Entry[],
): void {
  for (const slice of slices) {
    const ports = slice.ports.length > 0 ? slice.ports : NO_PORTS;
    for (const endpoint of slice.endpoints) {
      if (!endpointReady(endpoint)) continue;
      // Endpoints whose slice gives no zone match no zone.
      if (topologyZone !== '' && endpoint.zone?.toLowerCase() !== topologyZone) continue;
      for (const address of endpoint.addresses) {
        const hostname = endpointHostname(endpoint, address, options.endpointPodNames);
        if (request.endpoint !== '' && !sameFold(request.endpoint, hostname)) continue;
        for (const port of ports) {
          if (!portMatches(request, port)) continue;
          entries.push({ host: address, port: port.port, target: join(hostname, domain), ttl: options.ttl });
        }
      }
    }
  }
}

function findServices(scope: Scope, request: RecordRequest): Found {
  const { view, options, zone } = scope;
  if (request.service === '') return [];
  const service = visibleService(view, options, request.namespace, request.service);
  if (service === undefined) return NAME_ERROR;
  const isExternal = service.type === 'ExternalName';
  const domain = serviceDomain(service.name, service.namespace, zone);
  // Zonal names are defined for headless services only: a cluster IP has no zone.
  if (request.topologyZone !== '' && !service.headless) return NAME_ERROR;

  if (options.ignoreEmptyService && !isExternal && !service.headless) {
    if (readyAddressCount(serviceSlices(view, options, service.namespace, service.name)) === 0) return NAME_ERROR;
  }

  if (isExternal) {
    // An ExternalName has no endpoints and no ports to ask for; an IP there is not a name to alias.
    if (request.endpoint !== '' || request.port !== '' || request.protocol !== '') return NAME_ERROR;
    const host = service.externalName ?? '';
    if (host === '' || isIP(host) !== 0) return NAME_ERROR;
    return [{ host, port: 0, target: domain, ttl: options.ttl }];
  }

  const entries: Entry[] = [];
  if (service.headless || request.endpoint !== '') {
    const slices = serviceSlices(view, options, service.namespace, service.name);
    endpointEntries(slices, request, request.topologyZone, domain, options, entries);
    if (request.topologyZone === '') return entries.length > 0 ? entries : NAME_ERROR;
    // `prefer` widens to the whole service when the zone holds nothing; the name asked for it.
    if (entries.length === 0 && request.zonePrefer) endpointEntries(slices, request, '', domain, options, entries);
    // The zonal name exists with the service: nothing in the zone is NODATA, never NXDOMAIN.
    return entries;
  }

  let portFound = false;
  const ports = service.ports.length > 0 ? service.ports : NO_PORTS;
  for (const port of ports) {
    if (!portMatches(request, port)) continue;
    portFound = true;
    for (const ip of service.clusterIPs) entries.push({ host: ip, port: port.port, target: domain, ttl: options.ttl });
  }
  return portFound ? entries : NAME_ERROR;
}

/** `pods` mode: a dashed IP is a v4 address when it has exactly three single dashes. */
function podAddress(label: string): string {
  const dashes = label.split('-').length - 1;
  return dashes === 3 && !label.includes('--') ? label.replaceAll('-', '.') : label.replaceAll('-', ':');
}

function findPods(scope: Scope, request: RecordRequest): Found {
  const { view, options, zone } = scope;
  if (options.pods === 'disabled') return NAME_ERROR;
  if (request.service === '') return [];
  const ip = podAddress(request.service);
  const target = join(request.service, join(request.namespace, join('pod', zone)));
  if (options.pods === 'insecure') {
    return isIP(ip) === 0 ? NAME_ERROR : [{ host: ip, port: 0, target, ttl: options.ttl }];
  }
  // verified: CoreDNS indexes pods by status.podIP, the first of their addresses, compared as text.
  const entries: Entry[] = [];
  for (const pod of view.podsByIP(ip)) {
    if (pod.ips[0] !== ip || !sameFold(pod.namespace, request.namespace) || !visiblePod(options, pod)) continue;
    entries.push({ host: ip, port: 0, target, ttl: options.ttl });
  }
  return entries.length > 0 ? entries : NAME_ERROR;
}

/** Whether `zone` is one of `multicluster`'s, answered from ServiceImports. */
export function isMultiClusterZone(options: AnswerOptions, zone: DomainName): boolean {
  return options.multicluster.length > 0 && options.multicluster.includes(zone);
}

/**
 * CoreDNS's findMultiClusterServices: a ServiceImport's clusterset IPs per matching port, or for
 * a headless one (or an `endpoint.cluster.` name) the ready endpoints of every cluster's slices,
 * named `endpoint.cluster.service.namespace.svc.zone`.
 */
function findMultiClusterServices(scope: Scope, request: RecordRequest): Found {
  const { view, options, zone } = scope;
  if (request.service === '') return [];
  const imported = view.serviceImport(request.namespace, request.service);
  if (imported === undefined) return NAME_ERROR;
  const domain = serviceDomain(imported.name, imported.namespace, zone);
  const slices = view.multiClusterSlices(imported.namespace, imported.name);
  const headless = imported.type === 'Headless';
  if (options.ignoreEmptyService && !headless && readyAddressCount(slices) === 0) return NAME_ERROR;
  const entries: Entry[] = [];
  if (headless || request.endpoint !== '') {
    for (const slice of slices) {
      const clusterId = slice.multiCluster?.clusterId ?? '';
      for (const endpoint of slice.endpoints) {
        if (!endpointReady(endpoint)) continue;
        for (const address of endpoint.addresses) {
          const hostname = endpointHostname(endpoint, address, options.endpointPodNames);
          if (request.endpoint !== '' && (!sameFold(request.cluster, clusterId) || !sameFold(request.endpoint, hostname))) continue;
          for (const port of slice.ports) {
            if (!portMatches(request, port)) continue;
            entries.push({ host: address, port: port.port, target: join(hostname, join(clusterId, domain)), ttl: options.ttl });
          }
        }
      }
    }
    return entries.length > 0 ? entries : NAME_ERROR;
  }
  let portFound = false;
  for (const port of imported.ports) {
    if (!portMatches(request, port)) continue;
    portFound = true;
    for (const ip of imported.ips) entries.push({ host: ip, port: port.port, target: domain, ttl: options.ttl });
  }
  return portFound ? entries : NAME_ERROR;
}

/** CoreDNS's Records: what a name in the svc or pod subtree stands for. */
export function records(scope: Scope, name: DomainName): Found {
  const multicluster = isMultiClusterZone(scope.options, scope.zone);
  const request = parseRequest(name, scope.zone, scope.options.zonal, multicluster);
  if (request === null) return NAME_ERROR;
  if (request.podOrSvc === '') return [];
  if (isReverseName(name)) return NAME_ERROR;
  if (!namespaceExposed(scope.view, scope.options, request.namespace)) return NAME_ERROR;
  if (request.podOrSvc === 'pod') return findPods(scope, request);
  return multicluster ? findMultiClusterServices(scope, request) : findServices(scope, request);
}

/**
 * The addresses this server answers NS queries with, as CoreDNS's nsAddrs finds them: the
 * services whose ready endpoints include one of the local addresses (their cluster IPs, or for a
 * headless service each endpoint under its own name); when none does, the local addresses
 * themselves as `ns.dns.zone`.
 */
export function nameserverEntries(scope: Scope): Entry[] {
  const { view, options, zone } = scope;
  const entries: Entry[] = [];
  let foundEndpoint = false;
  for (const localIP of options.localIPs) {
    for (const slice of view.endpointSlicesByIP(localIP)) {
      if (!visibleSlice(options, slice)) continue;
      if (!slice.endpoints.some((e) => endpointReady(e) && e.addresses.includes(localIP))) continue;
      foundEndpoint = true;
      const service = visibleService(view, options, slice.namespace, slice.serviceName);
      if (service === undefined) continue;
      const domain = serviceDomain(service.name, service.namespace, zone);
      if (service.headless) {
        for (const endpoint of slice.endpoints) {
          if (!endpointReady(endpoint)) continue;
          for (const address of endpoint.addresses) {
            const target = join(endpointHostname(endpoint, address, options.endpointPodNames), domain);
            entries.push({ host: address, port: 0, target, ttl: options.ttl });
          }
        }
      } else {
        for (const ip of service.clusterIPs) entries.push({ host: ip, port: 0, target: domain, ttl: options.ttl });
      }
    }
  }
  if (!foundEndpoint) {
    for (const ip of options.localIPs) entries.push({ host: ip, port: 0, target: join('ns.dns', zone), ttl: options.ttl });
  }
  return entries;
}

function addressFamilyMatches(host: string, qtype: number): boolean {
  const family = isIP(host);
  return (family === 4 && qtype === RRType.A) || (family === 6 && qtype === RRType.AAAA);
}

/** CoreDNS's Services: the entries a query of `qtype` for `name` is answered from. */
export function services(scope: Scope, name: DomainName, qtype: number): Found {
  const { zone } = scope;
  if (qtype === RRType.TXT) {
    if (name === join('dns-version', zone)) {
      return [{ host: '', port: 0, target: name, ttl: DNS_VERSION_TTL, text: DNS_SCHEMA_VERSION }];
    }
    // Only dns-version has a TXT record: an existing name is NODATA, anything else NXDOMAIN. A
    // zonal name with nothing in its zone exists too (CoreDNS checks for it apart).
    const existing = records(scope, name);
    if (existing === NAME_ERROR) return NAME_ERROR;
    return existing.length > 0 || parseRequest(name, zone, scope.options.zonal)?.topologyZone ? [] : NAME_ERROR;
  }
  if (qtype === RRType.NS) return nameserverEntries(scope);
  if (zone !== '' && name === join('ns.dns', zone)) {
    return nameserverEntries(scope)
      .filter((entry) => addressFamilyMatches(entry.host, qtype))
      .map((entry) => ({ ...entry, target: name }));
  }
  const found = records(scope, name);
  // SRV records for ExternalName services are not implemented by CoreDNS either.
  if (qtype !== RRType.SRV || found === NAME_ERROR) return found;
  return found.filter((entry) => isIP(entry.host) !== 0);
}
