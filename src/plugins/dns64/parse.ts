import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { formatIPv4, formatIPv6, writeIPv4, writeIPv6 } from '../../dns/ip.ts';
import { argCount, blockDirectives, boolFlag, unknownProperty } from '../../toolkit/args.ts';

/** A NAT64 prefix (RFC 6052): its first `length` bits, the rest of `bytes` zero. */
export interface Nat64Prefix {
  readonly bytes: Uint8Array;
  /** 32, 40, 48, 56, 64 or 96. */
  readonly length: number;
}

export interface Dns64Options {
  readonly prefix: Nat64Prefix;
  /** Synthesize even when the AAAA answer has AAAA records (CoreDNS's translate_all). */
  readonly translateAll: boolean;
  /** Synthesize for clients asking over IPv4 too (allow_ipv4). */
  readonly allowIPv4: boolean;
}

/** The well-known prefix, 64:ff9b::/96 (RFC 6052 2.1). */
const WELL_KNOWN_PREFIX: Nat64Prefix = { bytes: Uint8Array.of(0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), length: 96 };

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, 'dns64');
}

/** Zeroes the bits past `length`, as Go's ParseCIDR returns the network. */
function masked(bytes: Uint8Array, length: number): Uint8Array {
  const network = new Uint8Array(bytes.length);
  for (let bit = 0; bit < length; bit += 8) {
    const index = bit / 8;
    network[index] = (bytes[index] as number) & (length - bit >= 8 ? 0xff : (0xff << (8 - (length - bit))) & 0xff);
  }
  return network;
}

/**
 * A prefix as CoreDNS's parsePrefix reads it: a CIDR (Go's net.ParseCIDR), IPv6, whose length is a
 * multiple of 8 from 32 to 96 (the lengths RFC 6052 defines).
 */
function parsePrefix(token: Token): Nat64Prefix {
  const text = token.text;
  const slash = text.indexOf('/');
  const address = slash < 0 ? '' : text.slice(0, slash);
  const lengthText = slash < 0 ? '' : text.slice(slash + 1);
  const v6 = new Uint8Array(16);
  const v4 = new Uint8Array(4);
  const isV6 = writeIPv6(address, v6, 0);
  const isV4 = !isV6 && writeIPv4(address, v4, 0);
  const bits = isV6 ? 128 : 32;
  const length = /^\d+$/.test(lengthText) ? Number(lengthText) : NaN;
  if ((!isV6 && !isV4) || !(length <= bits)) fail(token, `invalid CIDR address: ${text}`);
  if (isV4) fail(token, `invalid netmask 32 IPv6 address: "${formatIPv4(masked(v4, length), 0)}/${length}"`);
  const network = masked(v6, length);
  if (length % 8 !== 0 || length < 32 || length > 96) fail(token, `invalid prefix length "${formatIPv6(network, 0)}/${length}"`);
  return { bytes: network, length };
}

/**
 * `dns64 [PREFIX]` or `dns64 [PREFIX] { prefix PREFIX; translate_all; allow_ipv4 }`, as CoreDNS
 * 1.14's dns64Parse: the prefix defaults to 64:ff9b::/96; a later `prefix` wins over an earlier one.
 */
export function parseDns64(directive: Directive): Dns64Options {
  const [prefixArg] = argCount(directive, 0, 1);
  let prefix = prefixArg === undefined ? WELL_KNOWN_PREFIX : parsePrefix(prefixArg);
  let translateAll = false;
  let allowIPv4 = false;
  for (const property of blockDirectives(directive)) {
    switch (property.name.text) {
      case 'prefix': {
        const [value] = argCount(property, 1, 1);
        prefix = parsePrefix(value!);
        break;
      }
      case 'translate_all':
        translateAll = boolFlag(property);
        break;
      case 'allow_ipv4':
        allowIPv4 = boolFlag(property);
        break;
      default:
        throw unknownProperty(property, directive);
    }
  }
  return { prefix, translateAll, allowIPv4 };
}
