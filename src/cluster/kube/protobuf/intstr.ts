import type { WireReader } from './wire.ts';

/**
 * An IntOrString (a port number or name) as JSON writes it: a number or a string. Source:
 * k8s.io/apimachinery pkg/util/intstr/generated.proto:
 *   message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
 * with type 0 for Int and 1 for String (pkg/util/intstr/intstr.go).
 */

const STRING_TYPE = 1;

interface IntOrStringFields {
  type: number;
  intVal: number;
  strVal: string;
}

export function readIntOrString(reader: WireReader): number | string {
  const value = reader.message({ type: 0, intVal: 0, strVal: '' }, readIntOrStringField);
  return value.type === STRING_TYPE ? value.strVal : value.intVal;
}

function readIntOrStringField(reader: WireReader, field: number, value: IntOrStringFields): void {
  switch (field) {
    case 1:
      value.type = reader.int64();
      break;
    case 2:
      value.intVal = reader.int32();
      break;
    case 3:
      value.strVal = reader.string();
      break;
    default:
      reader.skip();
  }
}
