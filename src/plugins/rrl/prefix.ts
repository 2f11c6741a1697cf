import { formatIPv4, formatIPv6, writeIPv4, writeIPv6 } from '../../dns/ip.ts';

/** Client addresses whose prefix is remembered; past it the memo starts again (a spoofed flood's sources are many). */
const MEMO_LIMIT = 10_000;

const scratch = new Uint8Array(16);

function mask(bytes: Uint8Array, length: number, bits: number): void {
  for (let i = 0; i < length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    bytes[i] = (bytes[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
}

/**
 * The client's network as the external plugin's addrPrefix names it: the address masked to the
 * IPv4 or IPv6 prefix length (`10.1.2.0` for 10.1.2.3 at /24). Text that is not an address (a
 * test's made-up client) is its own prefix. Remembered per address, so a client costs one Map lookup.
 */
export class ClientPrefixes {
  private readonly ipv4Bits: number;
  private readonly ipv6Bits: number;
  private readonly memo = new Map<string, string>();

  constructor(ipv4Bits: number, ipv6Bits: number) {
    this.ipv4Bits = ipv4Bits;
    this.ipv6Bits = ipv6Bits;
  }

  of(address: string): string {
    const known = this.memo.get(address);
    if (known !== undefined) return known;
    const prefix = this.compute(address);
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(address, prefix);
    return prefix;
  }

  private compute(address: string): string {
    if (writeIPv4(address, scratch, 0)) {
      mask(scratch, 4, this.ipv4Bits);
      return formatIPv4(scratch, 0);
    }
    // A link-local client's `%zone` is not part of its network.
    const bare = address.replace(/%.*$/, '');
    if (writeIPv6(bare, scratch, 0)) {
      mask(scratch, 16, this.ipv6Bits);
      return formatIPv6(scratch, 0);
    }
    return address;
  }
}
