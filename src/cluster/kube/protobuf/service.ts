import { readIntOrString } from './intstr.ts';
import { readObjectMeta, setString, type ObjectMetaJson } from './meta.ts';
import type { Span, WireReader } from './wire.ts';

/**
 * A core.v1 Service, as much of it as src/cluster/convert.ts reads. Source: k8s.io/api
 * core/v1/generated.proto:
 *   Service:               metadata = 1, spec = 2, status = 3
 *   ServiceStatus:         loadBalancer = 1;  LoadBalancerStatus: ingress = 1
 *   LoadBalancerIngress:   ip = 1, hostname = 2
 *   ServiceSpec:           ports = 1, selector = 2 (map), clusterIP = 3, type = 4, externalIPs = 5,
 *                          sessionAffinity = 7, externalName = 10, publishNotReadyAddresses = 13,
 *                          sessionAffinityConfig = 14, clusterIPs = 18
 *   ServicePort:           name = 1, protocol = 2, port = 3, targetPort = 4 (IntOrString), nodePort = 5
 *   SessionAffinityConfig: clientIP = 1;  ClientIPConfig: timeoutSeconds = 1 (a pointer: 0 is kept)
 */

export interface ServiceJson {
  metadata?: ObjectMetaJson;
  spec?: ServiceSpecJson;
  status?: { loadBalancer?: { ingress?: LoadBalancerIngressJson[] } };
}

interface LoadBalancerIngressJson {
  ip?: string;
  hostname?: string;
}

interface ServiceSpecJson {
  ports?: ServicePortJson[];
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: string;
  externalIPs?: string[];
  sessionAffinity?: string;
  externalName?: string;
  publishNotReadyAddresses?: boolean;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
}

interface ServicePortJson {
  name?: string;
  protocol?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
}

/** Reads the Service message spanning `span`. */
export function readService(reader: WireReader, span: Span): ServiceJson {
  return reader.fields(span, {}, readServiceField);
}

function readServiceField(reader: WireReader, field: number, service: ServiceJson): void {
  if (field === 1) service.metadata = readObjectMeta(reader);
  else if (field === 2) service.spec = reader.message({}, readSpecField);
  else if (field === 3) service.status = { loadBalancer: reader.message({}, readStatusField) };
  else reader.skip();
}

/** ServiceStatus down to its load balancer's ingress points (what k8s_external answers with). */
function readStatusField(reader: WireReader, field: number, loadBalancer: { ingress?: LoadBalancerIngressJson[] }): void {
  if (field !== 1) {
    reader.skip();
    return;
  }
  reader.message(loadBalancer, (inner, innerField, target: { ingress?: LoadBalancerIngressJson[] }) => {
    if (innerField === 1) (target.ingress ??= []).push(inner.message({}, readIngressField));
    else inner.skip();
  });
}

function readIngressField(reader: WireReader, field: number, ingress: LoadBalancerIngressJson): void {
  if (field === 1) setString(ingress, 'ip', reader.string());
  else if (field === 2) setString(ingress, 'hostname', reader.string());
  else reader.skip();
}

function readSpecField(reader: WireReader, field: number, spec: ServiceSpecJson): void {
  switch (field) {
    case 1:
      (spec.ports ??= []).push(reader.message({}, readPortField));
      break;
    case 2:
      reader.stringMapEntry((spec.selector ??= {}));
      break;
    case 3:
      setString(spec, 'clusterIP', reader.string());
      break;
    case 4:
      setString(spec, 'type', reader.string());
      break;
    case 5:
      (spec.externalIPs ??= []).push(reader.string());
      break;
    case 7:
      setString(spec, 'sessionAffinity', reader.string());
      break;
    case 10:
      setString(spec, 'externalName', reader.string());
      break;
    case 13:
      if (reader.bool()) spec.publishNotReadyAddresses = true;
      break;
    case 14:
      spec.sessionAffinityConfig = reader.message({}, readAffinityConfigField);
      break;
    case 18:
      (spec.clusterIPs ??= []).push(reader.string());
      break;
    default:
      reader.skip();
  }
}

function readPortField(reader: WireReader, field: number, port: ServicePortJson): void {
  switch (field) {
    case 1:
      setString(port, 'name', reader.string());
      break;
    case 2:
      setString(port, 'protocol', reader.string());
      break;
    case 3:
      port.port = reader.int32();
      break;
    case 4: {
      // Always on the wire (not a pointer). The API server defaults it to the port, so a zero
      // comes only from an object that skipped defaulting: read as unset, not as port 0, which
      // no Service can have.
      const targetPort = readIntOrString(reader);
      if (targetPort !== 0) port.targetPort = targetPort;
      break;
    }
    case 5: {
      const nodePort = reader.int32();
      if (nodePort !== 0) port.nodePort = nodePort;
      break;
    }
    default:
      reader.skip();
  }
}

function readAffinityConfigField(reader: WireReader, field: number, config: NonNullable<ServiceSpecJson['sessionAffinityConfig']>): void {
  if (field === 1) config.clientIP = reader.message({}, readClientIPField);
  else reader.skip();
}

function readClientIPField(reader: WireReader, field: number, clientIP: { timeoutSeconds?: number }): void {
  if (field === 1) clientIP.timeoutSeconds = reader.int32();
  else reader.skip();
}
