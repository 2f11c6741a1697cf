/**
 * Protobuf bytes built by hand for the reader's tests, independent of the fake API server's
 * encoder: a field is its tag and value, a message the concatenation of its fields.
 */

export function varint(value: number | bigint): Buffer {
  let rest = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return Buffer.from(bytes);
}

/** A field: numbers and booleans as varints, strings and bytes as length-delimited. */
export function field(number: number, value: number | bigint | boolean | string | Uint8Array): Buffer {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return Buffer.concat([varint(number * 8), varint(typeof value === 'boolean' ? Number(value) : value)]);
  }
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([varint(number * 8 + 2), varint(bytes.length), bytes]);
}

export function message(...fields: Uint8Array[]): Buffer {
  return Buffer.concat(fields);
}

/** A map<string, string> field: one entry message per key. */
export function mapField(number: number, map: Readonly<Record<string, string>>): Buffer {
  return message(...Object.entries(map).map(([key, value]) => field(number, message(field(1, key), field(2, value)))));
}

/** `k8s\0` and a runtime.Unknown around `raw`. */
export function envelope(apiVersion: string, kind: string, raw: Uint8Array, contentEncoding = ''): Buffer {
  return message(Buffer.from('k8s\0', 'latin1'), field(1, message(field(1, apiVersion), field(2, kind))), field(2, raw), field(3, contentEncoding), field(4, ''));
}
