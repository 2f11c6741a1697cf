import { readObjectMeta, setString, type ObjectMetaJson } from './meta.ts';
import type { Span, WireReader } from './wire.ts';

/**
 * A discovery.v1 EndpointSlice, as much of it as src/cluster/convert.ts reads. Sources: k8s.io/api
 * discovery/v1/generated.proto and core/v1/generated.proto (ObjectReference):
 *   EndpointSlice:      metadata = 1, endpoints = 2, ports = 3, addressType = 4
 *   Endpoint:           addresses = 1, conditions = 2, hostname = 3, targetRef = 4, nodeName = 6,
 *                       zone = 7 (deprecatedTopology 5 and hints 8 are skipped)
 *   EndpointConditions: ready = 1, serving = 2, terminating = 3
 *   EndpointPort:       name = 1, protocol = 2, port = 3 (appProtocol 4 is skipped)
 *   ObjectReference:    kind = 1, namespace = 2, name = 3 (uid 4 and the rest are skipped)
 *
 * Most of these are Go pointers: proto2 optional fields that are on the wire only when set, so
 * presence is kept as it is, a `false` or "" included. The conditions above all: an absent
 * `ready` means ready ("should be interpreted as ready" in the API), an explicit false does not.
 */

export interface EndpointSliceJson {
  metadata?: ObjectMetaJson;
  addressType?: string;
  endpoints?: EndpointJson[];
  ports?: EndpointPortJson[];
}

interface EndpointJson {
  addresses?: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  targetRef?: { kind?: string; namespace?: string; name?: string };
  nodeName?: string;
  zone?: string;
}

interface EndpointPortJson {
  name?: string;
  protocol?: string;
  port?: number;
}

/** Reads the EndpointSlice message spanning `span`. */
export function readEndpointSlice(reader: WireReader, span: Span): EndpointSliceJson {
  return reader.fields(span, {}, readSliceField);
}

function readSliceField(reader: WireReader, field: number, slice: EndpointSliceJson): void {
  switch (field) {
    case 1:
      slice.metadata = readObjectMeta(reader);
      break;
    case 2:
      (slice.endpoints ??= []).push(reader.message({}, readEndpointField));
      break;
    case 3:
      (slice.ports ??= []).push(reader.message({}, readPortField));
      break;
    case 4:
      // Not omitempty in JSON: always there, even empty.
      slice.addressType = reader.string();
      break;
    default:
      reader.skip();
  }
}

function readEndpointField(reader: WireReader, field: number, endpoint: EndpointJson): void {
  switch (field) {
    case 1:
      (endpoint.addresses ??= []).push(reader.string());
      break;
    case 2:
      endpoint.conditions = reader.message({}, readConditionsField);
      break;
    case 3:
      endpoint.hostname = reader.string();
      break;
    case 4:
      endpoint.targetRef = reader.message({}, readObjectReferenceField);
      break;
    case 6:
      endpoint.nodeName = reader.string();
      break;
    case 7:
      endpoint.zone = reader.string();
      break;
    default:
      reader.skip();
  }
}

function readConditionsField(reader: WireReader, field: number, conditions: NonNullable<EndpointJson['conditions']>): void {
  if (field === 1) conditions.ready = reader.bool();
  else if (field === 2) conditions.serving = reader.bool();
  else if (field === 3) conditions.terminating = reader.bool();
  else reader.skip();
}

function readObjectReferenceField(reader: WireReader, field: number, ref: NonNullable<EndpointJson['targetRef']>): void {
  // Plain strings in Go: empty ones are left out, as JSON's omitempty does.
  if (field === 1) setString(ref, 'kind', reader.string());
  else if (field === 2) setString(ref, 'namespace', reader.string());
  else if (field === 3) setString(ref, 'name', reader.string());
  else reader.skip();
}

function readPortField(reader: WireReader, field: number, port: EndpointPortJson): void {
  if (field === 1) port.name = reader.string();
  else if (field === 2) port.protocol = reader.string();
  else if (field === 3) port.port = reader.int32();
  else reader.skip();
}
