import { isIPv4Mapped, writeIPv4, writeIPv6 } from '../../dns/ip.ts';
import { normalizeName } from '../../dns/names.ts';
import type { DomainName } from '../../dns/types.ts';

/**
 * Domain -> address key (see addressKey) -> weight in [1, 255]. A domain listed with no address
 * lines is present with no weights; its addresses weigh 1, as do those of unlisted names.
 */
export type WeightTable = ReadonlyMap<DomainName, ReadonlyMap<string, number>>;

export const EMPTY_WEIGHTS: WeightTable = new Map();

/** The weight of an address no weight file line names. */
export const DEFAULT_WEIGHT = 1;

const MAX_WEIGHT = 255;

/** A weight file that cannot be used: what is wrong, in which file and (for a bad line) on which line. */
export class WeightFileError extends Error {
  readonly path: string;
  /** 1-based; 0 when the file as a whole failed (it could not be opened or read). */
  readonly line: number;
  constructor(path: string, line: number, message: string, options?: ErrorOptions) {
    super(line > 0 ? `${path}:${line}: ${message}` : `${path}: ${message}`, options);
    this.name = 'WeightFileError';
    this.path = path;
    this.line = line;
  }
}

/**
 * How an address is compared, as Go's net.IP.Equal compares: IPv4-mapped IPv6 (::ffff:a.b.c.d)
 * is the IPv4 address, so an AAAA record of one matches a weight line of the other.
 */
export function addressKey(bytes: Uint8Array): string {
  const address = bytes.length === 16 && isIPv4Mapped(bytes) ? bytes.subarray(12) : bytes;
  return Buffer.from(address.buffer, address.byteOffset, address.byteLength).toString('hex');
}

const parsed = new Uint8Array(16);

/** The key of an address written as Go's net.ParseIP reads it (no IPv6 zone), or null. */
function parseAddress(text: string): string | null {
  if (text.includes(':')) return writeIPv6(text, parsed, 0) ? addressKey(parsed) : null;
  return writeIPv4(text, parsed, 0) ? addressKey(parsed.subarray(0, 4)) : null;
}

/** A weight as Go's strconv.ParseUint(text, 10, 8) reads it, and not 0. */
function parseWeight(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const weight = Number(text);
  return weight >= 1 && weight <= MAX_WEIGHT ? weight : null;
}

/**
 * Reads a weight file as CoreDNS's weighted policy does: blank lines and lines starting with `#`
 * are skipped; a line of one field names a domain (not an address), a line of two gives one of
 * its addresses and its weight. When a domain lists an address twice, the first line counts.
 */
export function parseWeightFile(text: string, path: string): WeightTable {
  const domains = new Map<DomainName, Map<string, number>>();
  let current: Map<string, number> | null = null;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const fail = (message: string) => new WeightFileError(path, index + 1, message);
    const fields = line.split(/\s+/);
    if (fields.length === 1) {
      const name = fields[0] as string;
      if (parseAddress(name) !== null) throw fail(`wrong domain name "${name}" (maybe a missing weight value?)`);
      const domain = normalizeName(name);
      current = domains.get(domain) ?? new Map<string, number>();
      domains.set(domain, current);
    } else if (fields.length === 2) {
      const [addressText, weightText] = fields as [string, string];
      const address = parseAddress(addressText);
      if (address === null) throw fail(`wrong IP address "${addressText}"`);
      const weight = parseWeight(weightText);
      if (weight === null) throw fail(`wrong weight value "${weightText}" (an integer from 1 to ${MAX_WEIGHT})`);
      if (current === null) throw fail('missing domain name before this address line');
      if (!current.has(address)) current.set(address, weight);
    } else {
      throw fail(`could not parse weight line "${line}"`);
    }
  }
  return domains;
}
