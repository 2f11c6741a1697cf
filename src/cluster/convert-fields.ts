import { SocketAddress, isIPv4, isIPv6 } from 'node:net';
import type { IPFamily, Labels, Protocol } from './types.ts';

export type JsonRecord = Readonly<Record<string, unknown>>;

/** An object that cannot become a store object; names the object and the field at fault. */
export class ObjectError extends Error {
  override readonly name = 'ObjectError';
  /** The Kubernetes kind, e.g. `Service`. */
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly objectName: string | undefined;
  /** JSON path of the offending field, e.g. `spec.ports[0].port`; '' for the object itself. */
  readonly field: string;

  constructor(kind: string, namespace: string | undefined, objectName: string | undefined, field: string, problem: string) {
    const who = objectName === undefined ? kind : `${kind} ${namespace === undefined ? '' : `${namespace}/`}${objectName}`;
    super(`${who}: ${field === '' ? '' : `${field}: `}${problem}`);
    this.kind = kind;
    this.namespace = namespace;
    this.objectName = objectName;
    this.field = field;
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type NameRule = 'dns1123-label' | 'dns1035-label' | 'dns1123-subdomain';

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/**
 * Reads loosely typed JSON fields of one object, failing with an ObjectError that names the
 * object and the field. Missing and null fields count as absent, as they do in the API.
 */
export class FieldReader {
  readonly kind: string;
  namespace: string | undefined;
  name: string | undefined;

  constructor(kind: string) {
    this.kind = kind;
  }

  fail(field: string, problem: string): never {
    throw new ObjectError(this.kind, this.namespace, this.name, field, problem);
  }

  record(value: unknown, field: string): JsonRecord | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) this.fail(field, `must be an object, got ${describe(value)}`);
    return value;
  }

  list(value: unknown, field: string): readonly unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(field, `must be a list, got ${describe(value)}`);
    return value;
  }

  string(value: unknown, field: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(field, `must be a string, got ${describe(value)}`);
    return value;
  }

  requiredString(value: unknown, field: string): string {
    const text = this.string(value, field);
    if (text === undefined || text === '') this.fail(field, 'is required');
    return text;
  }

  boolean(value: unknown, field: string, fallback: boolean): boolean {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, got ${describe(value)}`);
    return value;
  }

  integer(value: unknown, field: string, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(field, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
    }
    return value;
  }

  /** Returns the member of `allowed`, not the parsed copy: the store then holds one string per value, not one per object. */
  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
    const text = this.string(value, field);
    if (text === undefined || text === '') return fallback;
    const index = (allowed as readonly string[]).indexOf(text);
    if (index < 0) this.fail(field, `must be one of ${allowed.join(', ')}, got ${describe(text)}`);
    return allowed[index]!;
  }

  protocol(value: unknown, field: string): Protocol {
    return this.oneOf(value, field, PROTOCOLS, 'TCP');
  }

  port(value: unknown, field: string): number | undefined {
    return this.integer(value, field, 1, 65535);
  }

  /** An IntOrString port: a number, or a port name; a string of digits is taken as the number. */
  intOrStringPort(value: unknown, field: string): number | string | undefined {
    if (typeof value === 'string' && /^\d+$/.test(value)) return this.port(Number(value), field);
    if (typeof value === 'string') return value === '' ? undefined : value;
    return this.port(value, field);
  }

  dnsName(value: unknown, field: string, rule: NameRule): string {
    const name = this.requiredString(value, field);
    const valid =
      rule === 'dns1123-subdomain'
        ? name.length <= 253 && DNS1123_SUBDOMAIN.test(name)
        : name.length <= 63 && (rule === 'dns1035-label' ? DNS1035_LABEL : DNS1123_LABEL).test(name);
    if (!valid) this.fail(field, `must be a lower-case ${rule.replace('dns', 'RFC ').replace('-', ' ')}, got ${describe(name)}`);
    return name;
  }

  stringMap(value: unknown, field: string): Labels {
    const map = this.record(value, field);
    if (map === undefined) return {};
    for (const [key, entry] of Object.entries(map)) {
      if (typeof entry !== 'string') this.fail(`${field}.${key}`, `must be a string, got ${describe(entry)}`);
    }
    return map as Labels;
  }

  ip(value: unknown, field: string, family?: IPFamily): string {
    const text = this.requiredString(value, field);
    const canonical = canonicalIP(text);
    if (canonical === null) this.fail(field, `must be an IP address, got ${describe(text)}`);
    if (family !== undefined && ipFamily(canonical) !== family) this.fail(field, `must be an ${family} address, got ${describe(text)}`);
    return canonical;
  }
}

/**
 * The one spelling the store indexes an address under: IPv4 dotted quad (no leading zeros),
 * IPv6 in RFC 5952 form (lower case, longest zero run compressed). null when not an address;
 * zone ids are refused because cluster addresses never carry one.
 */
export function canonicalIP(text: string): string | null {
  if (isIPv4(text)) return text;
  if (!isIPv6(text) || text.includes('%')) return null;
  return new SocketAddress({ address: text, family: 'ipv6' }).address;
}

function ipFamily(ip: string): IPFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}
