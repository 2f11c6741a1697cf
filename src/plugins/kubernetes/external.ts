import type { ClusterView, Service } from '../../cluster/types.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { addressFromReverse } from '../../dns/names.ts';
import type { DomainName } from '../../dns/types.ts';
import type { ExternalAnswer, ExternalEntry } from '../../toolkit/offers.ts';
import { endpointHostname, portMatches, sameFold } from './backend.ts';
import { endpointReady, namespaceExposed, serviceSlices, visibleService, visibleSlice } from './exposure.ts';
import type { AnswerOptions } from './options.ts';
import { EMPTY_REQUEST, type RecordRequest } from './request.ts';
import { join } from './zones.ts';

const NOTHING: ExternalAnswer = { entries: [], rcode: RCode.NXDOMAIN };

/** A service's addresses outside the cluster: `externalIPs`, then its load balancer's ingress points. */
export function externalAddresses(service: Service): readonly string[] {
  return service.loadBalancerIngress.length === 0 ? service.externalIPs : [...service.externalIPs, ...service.loadBalancerIngress];
}

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label;
}

/** CoreDNS's ExternalReverse: the services with this external address, as `name.namespace` (the plugin adds its zone). */
function externalReverse(view: ClusterView, options: AnswerOptions, ip: string): ExternalAnswer {
  const entries: ExternalEntry[] = [];
  for (const service of view.services()) {
    if (!externalAddresses(service).includes(ip)) continue;
    if (options.namespaces.size > 0 && !namespaceExposed(view, options, service.namespace)) continue;
    entries.push({ host: join(service.name, service.namespace), port: 0, target: '' });
  }
  return entries.length > 0 ? { entries, rcode: RCode.NOERROR } : NOTHING;
}

/**
 * CoreDNS's Kubernetes.External: `qname` in the external `zone` read as `service.namespace`,
 * `endpoint.service.namespace` or `_port._proto.service.namespace`; the service's external
 * addresses with each matching port, or with `headless` a headless service's ready endpoints
 * when it has none. NXDOMAIN when nothing matches, an unexposed namespace, or a name too long.
 */
export function externalLookup(view: ClusterView, options: AnswerOptions, qname: DomainName, zone: DomainName, qtype: number, headless: boolean): ExternalAnswer {
  if (qtype === RRType.PTR) {
    const ip = addressFromReverse(qname);
    if (ip !== null) return externalReverse(view, options, ip);
  }
  const base = zone === '' ? qname : qname.slice(0, Math.max(0, qname.length - zone.length - 1));
  if (base === '') return { entries: [], rcode: RCode.SERVFAIL };
  const labels = base.split('.');
  let last = labels.length - 1;
  const namespace = labels[last--]!;
  if (!namespaceExposed(view, options, namespace)) return NOTHING;
  if (last < 0) return { entries: [], rcode: RCode.NOERROR };
  const name = labels[last--]!;
  let request: RecordRequest = { ...EMPTY_REQUEST, podOrSvc: 'svc', namespace, service: name };
  if (last === 0) request = { ...request, endpoint: stripUnderscore(labels[0]!) };
  else if (last === 1) request = { ...request, port: stripUnderscore(labels[0]!), protocol: stripUnderscore(labels[1]!) };
  else if (last > 1) return NOTHING;

  const service = visibleService(view, options, namespace, name);
  if (service === undefined) return NOTHING;
  const domain = join(service.name, join(service.namespace, zone));
  const addresses = externalAddresses(service);
  const entries: ExternalEntry[] = [];
  if (headless && addresses.length === 0 && (service.headless || request.endpoint !== '')) {
    for (const slice of serviceSlices(view, options, namespace, name)) {
      if (!visibleSlice(options, slice)) continue;
      for (const endpoint of slice.endpoints) {
        if (!endpointReady(endpoint)) continue;
        for (const address of endpoint.addresses) {
          const hostname = endpointHostname(endpoint, address, options.endpointPodNames);
          if (request.endpoint !== '' && !sameFold(request.endpoint, hostname)) continue;
          for (const port of slice.ports) {
            if (portMatches(request, port)) entries.push({ host: address, port: port.port, target: join(hostname, domain) });
          }
        }
      }
    }
  } else {
    for (const address of addresses) {
      for (const port of service.ports) {
        if (portMatches(request, port)) entries.push({ host: address, port: port.port, target: domain });
      }
    }
  }
  if (qtype === RRType.PTR) return { entries: [], rcode: entries.length > 0 ? RCode.NOERROR : RCode.NXDOMAIN };
  return entries.length > 0 ? { entries, rcode: RCode.NOERROR } : NOTHING;
}

/**
 * CoreDNS's nsAddrs(external): the external addresses of the services whose ready endpoints are
 * this server (with `headless`, a headless one's endpoint addresses), else its own addresses.
 */
export function externalNameserverAddresses(view: ClusterView, options: AnswerOptions, headless: boolean): string[] {
  const addresses: string[] = [];
  for (const localIP of options.localIPs) {
    for (const slice of view.endpointSlicesByIP(localIP)) {
      if (!visibleSlice(options, slice)) continue;
      if (!slice.endpoints.some((e) => endpointReady(e) && e.addresses.includes(localIP))) continue;
      const service = visibleService(view, options, slice.namespace, slice.serviceName);
      if (service === undefined) continue;
      if (headless && service.headless) {
        for (const endpoint of slice.endpoints) if (endpointReady(endpoint)) addresses.push(...endpoint.addresses);
      } else {
        addresses.push(...externalAddresses(service));
      }
    }
  }
  return addresses.length > 0 ? addresses : [...options.localIPs];
}
