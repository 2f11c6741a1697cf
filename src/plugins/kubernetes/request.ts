import type { DomainName } from '../../dns/types.ts';

/** A query name read against the Kubernetes DNS schema. Empty strings are "not given". */
export interface RecordRequest {
  /** `svc`, `pod`, or '' for names with no schema part (the apex, `svc.zone`, `pod.zone`). */
  readonly podOrSvc: '' | 'svc' | 'pod';
  readonly namespace: string;
  /** The service name, or the dashed IP of a pod. */
  readonly service: string;
  readonly endpoint: string;
  /** From `_port._proto.`: the port name and protocol, underscores stripped. */
  readonly port: string;
  readonly protocol: string;
  /** In a multicluster zone, `endpoint.cluster.service.namespace.svc`: the source cluster. */
  readonly cluster: string;
  /** From a zonal name (`us-west-2a.pin._zone.`): the topology zone, '' otherwise. */
  readonly topologyZone: string;
  /** `prefer` rather than `pin`: every endpoint when none is in the zone. */
  readonly zonePrefer: boolean;
}

export const EMPTY_REQUEST: RecordRequest = {
  podOrSvc: '',
  namespace: '',
  service: '',
  endpoint: '',
  port: '',
  protocol: '',
  cluster: '',
  topologyZone: '',
  zonePrefer: false,
};

/** The label that anchors a zonal name, three labels left of the service, where no other name reaches. */
const ZONE_LABEL = '_zone';

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label;
}

/**
 * Splits `name` (inside `zone`) into the parts of the schema, as CoreDNS's parseRequest does:
 *   _port._protocol.service.namespace.svc.zone
 *   endpoint.service.namespace.svc.zone
 *   service.namespace.svc.zone, namespace.svc.zone, svc.zone
 *   dashed-ip.namespace.pod.zone (and anything.dashed-ip.namespace.pod.zone)
 *   with `zonal`: topology-zone.pin|prefer._zone.service.namespace.svc.zone (the topology zone may
 *   span labels)
 *   in a `multicluster` zone: endpoint.cluster.service.namespace.svc.zone (no underscore)
 * Null for names outside the schema (a first label other than svc/pod, or too many labels).
 */
export function parseRequest(name: DomainName, zone: DomainName, zonal = false, multicluster = false): RecordRequest | null {
  const base = zone === '' ? name : name.slice(0, Math.max(0, name.length - zone.length - 1));
  if (base === '' || base === 'svc' || base === 'pod') return EMPTY_REQUEST;
  const labels = base.split('.');
  let last = labels.length - 1;
  const podOrSvc = labels[last];
  if (podOrSvc !== 'svc' && podOrSvc !== 'pod') return null;
  last--;
  const namespace = labels[last--]!;
  if (last < 0) return { ...EMPTY_REQUEST, podOrSvc, namespace };
  const service = labels[last--]!;
  if (last < 0) return { ...EMPTY_REQUEST, podOrSvc, namespace, service };
  if (last === 0) return { ...EMPTY_REQUEST, podOrSvc, namespace, service, endpoint: labels[0]! };
  if (last === 1) {
    if (multicluster && !labels[0]!.startsWith('_') && !labels[1]!.startsWith('_')) {
      return { ...EMPTY_REQUEST, podOrSvc, namespace, service, endpoint: labels[0]!, cluster: labels[1]! };
    }
    return { ...EMPTY_REQUEST, podOrSvc, namespace, service, port: stripUnderscore(labels[0]!), protocol: stripUnderscore(labels[1]!) };
  }
  if (!zonal || multicluster || podOrSvc !== 'svc' || labels[last] !== ZONE_LABEL) return null;
  const directive = labels[last - 1];
  if (directive !== 'pin' && directive !== 'prefer') return null;
  return { ...EMPTY_REQUEST, podOrSvc, namespace, service, topologyZone: labels.slice(0, last - 1).join('.'), zonePrefer: directive === 'prefer' };
}
