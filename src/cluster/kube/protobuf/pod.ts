import { readIntOrString } from './intstr.ts';
import { readObjectMeta, setString, type ObjectMetaJson } from './meta.ts';
import type { Span, WireReader } from './wire.ts';

/**
 * A core.v1 Pod, as much of it as src/cluster/convert.ts reads: a few hundred bytes of the ~8 KB a
 * running pod takes. Source: k8s.io/api core/v1/generated.proto:
 *   Pod:           metadata = 1, spec = 2, status = 3
 *   PodSpec:       containers = 2, nodeName = 10, hostname = 16, subdomain = 17, initContainers = 20
 *                  (volumes 1, tolerations 22 and the rest are skipped)
 *   Container:     name = 1, ports = 6, readinessProbe = 11, restartPolicy = 24
 *                  (image, env, resources, volumeMounts, other probes... are skipped)
 *   ContainerPort: name = 1, containerPort = 3, protocol = 4
 *   Probe:         handler = 1 (a ProbeHandler, inlined in JSON), initialDelaySeconds = 2,
 *                  timeoutSeconds = 3, periodSeconds = 4, successThreshold = 5, failureThreshold = 6
 *   ProbeHandler:  exec = 1, httpGet = 2, tcpSocket = 3, grpc = 4
 *   ExecAction:    command = 1;  HTTPGetAction: path = 1, port = 2, host = 3, scheme = 4
 *   TCPSocketAction: port = 1, host = 2;  GRPCAction: port = 1, service = 2
 *   PodStatus:     phase = 1, conditions = 2, podIP = 6, podIPs = 12 (containerStatuses 8... skipped)
 *   PodCondition:  type = 1, status = 2;  PodIP: ip = 1
 */

export interface PodJson {
  metadata?: ObjectMetaJson;
  spec?: PodSpecJson;
  status?: PodStatusJson;
}

interface PodSpecJson {
  initContainers?: ContainerJson[];
  containers?: ContainerJson[];
  nodeName?: string;
  hostname?: string;
  subdomain?: string;
}

interface ContainerJson {
  name?: string;
  ports?: ContainerPortJson[];
  readinessProbe?: ProbeJson;
  restartPolicy?: string;
}

interface ContainerPortJson {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

interface ProbeJson {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port?: number | string; host?: string; scheme?: string };
  tcpSocket?: { port?: number | string; host?: string };
  grpc?: { port?: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

interface PodStatusJson {
  phase?: string;
  conditions?: { type?: string; status?: string }[];
  podIP?: string;
  podIPs?: { ip?: string }[];
}

type ProbeSeconds = 'initialDelaySeconds' | 'timeoutSeconds' | 'periodSeconds' | 'successThreshold' | 'failureThreshold';
/** Probe fields 2 to 6, all int32 and omitempty, by number. */
const PROBE_SECONDS: readonly (ProbeSeconds | undefined)[] = [undefined, undefined, 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'];

/** Reads the Pod message spanning `span`. */
export function readPod(reader: WireReader, span: Span): PodJson {
  return reader.fields(span, {}, readPodField);
}

function readPodField(reader: WireReader, field: number, pod: PodJson): void {
  if (field === 1) pod.metadata = readObjectMeta(reader);
  else if (field === 2) pod.spec = reader.message({}, readSpecField);
  else if (field === 3) pod.status = reader.message({}, readStatusField);
  else reader.skip();
}

function readSpecField(reader: WireReader, field: number, spec: PodSpecJson): void {
  switch (field) {
    case 2:
      (spec.containers ??= []).push(reader.message({}, readContainerField));
      break;
    case 10:
      setString(spec, 'nodeName', reader.string());
      break;
    case 16:
      setString(spec, 'hostname', reader.string());
      break;
    case 17:
      setString(spec, 'subdomain', reader.string());
      break;
    case 20:
      (spec.initContainers ??= []).push(reader.message({}, readContainerField));
      break;
    default:
      reader.skip();
  }
}

function readContainerField(reader: WireReader, field: number, container: ContainerJson): void {
  switch (field) {
    case 1:
      // Not omitempty in JSON.
      container.name = reader.string();
      break;
    case 6:
      (container.ports ??= []).push(reader.message({}, readContainerPortField));
      break;
    case 11:
      container.readinessProbe = reader.message({}, readProbeField);
      break;
    case 24:
      // A pointer (set only for sidecars): kept as sent.
      container.restartPolicy = reader.string();
      break;
    default:
      reader.skip();
  }
}

function readContainerPortField(reader: WireReader, field: number, port: ContainerPortJson): void {
  if (field === 1) setString(port, 'name', reader.string());
  else if (field === 3) port.containerPort = reader.int32();
  else if (field === 4) setString(port, 'protocol', reader.string());
  else reader.skip();
}

function readProbeField(reader: WireReader, field: number, probe: ProbeJson): void {
  const seconds = PROBE_SECONDS[field];
  if (field === 1) reader.message(probe, readProbeHandlerField);
  else if (seconds !== undefined) {
    const value = reader.int32();
    if (value !== 0) probe[seconds] = value;
  } else reader.skip();
}

/** The handler's fields sit in the probe itself in JSON (an inlined struct), so they are read into it. */
function readProbeHandlerField(reader: WireReader, field: number, probe: ProbeJson): void {
  switch (field) {
    case 1:
      probe.exec = reader.message({}, readExecField);
      break;
    case 2:
      probe.httpGet = reader.message({}, readHttpGetField);
      break;
    case 3:
      probe.tcpSocket = reader.message({}, readTcpSocketField);
      break;
    case 4:
      probe.grpc = reader.message({}, readGrpcField);
      break;
    default:
      reader.skip();
  }
}

function readExecField(reader: WireReader, field: number, exec: NonNullable<ProbeJson['exec']>): void {
  if (field === 1) (exec.command ??= []).push(reader.string());
  else reader.skip();
}

function readHttpGetField(reader: WireReader, field: number, http: NonNullable<ProbeJson['httpGet']>): void {
  switch (field) {
    case 1:
      setString(http, 'path', reader.string());
      break;
    case 2:
      http.port = readIntOrString(reader);
      break;
    case 3:
      setString(http, 'host', reader.string());
      break;
    case 4:
      setString(http, 'scheme', reader.string());
      break;
    default:
      reader.skip();
  }
}

function readTcpSocketField(reader: WireReader, field: number, tcp: NonNullable<ProbeJson['tcpSocket']>): void {
  if (field === 1) tcp.port = readIntOrString(reader);
  else if (field === 2) setString(tcp, 'host', reader.string());
  else reader.skip();
}

function readGrpcField(reader: WireReader, field: number, grpc: NonNullable<ProbeJson['grpc']>): void {
  if (field === 1) grpc.port = reader.int32();
  else if (field === 2) grpc.service = reader.string();
  else reader.skip();
}

function readStatusField(reader: WireReader, field: number, status: PodStatusJson): void {
  switch (field) {
    case 1:
      setString(status, 'phase', reader.string());
      break;
    case 2:
      (status.conditions ??= []).push(reader.message({}, readConditionField));
      break;
    case 6:
      setString(status, 'podIP', reader.string());
      break;
    case 12:
      (status.podIPs ??= []).push(reader.message({}, readPodIPField));
      break;
    default:
      reader.skip();
  }
}

function readConditionField(reader: WireReader, field: number, condition: { type?: string; status?: string }): void {
  // Both are required in JSON (no omitempty).
  if (field === 1) condition.type = reader.string();
  else if (field === 2) condition.status = reader.string();
  else reader.skip();
}

function readPodIPField(reader: WireReader, field: number, podIP: { ip?: string }): void {
  if (field === 1) podIP.ip = reader.string();
  else reader.skip();
}
