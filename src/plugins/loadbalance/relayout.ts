import { HEADER_LENGTH, MAX_MESSAGE_SIZE, RRType } from '../../dns/constants.ts';
import { DnsParseError } from '../../dns/errors.ts';
import { NameCompressor } from '../../dns/name-compressor.ts';
import { recordDataStart, recordEnd, recordStart, recordType } from '../../dns/reply-records.ts';
import type { Query, Reply } from '../../dns/types.ts';

/*
 * Writes a Reply's records in another order. Moving records moves the names that compression
 * pointers aim at, so every name is read (keeping its bytes and case) and written again,
 * compressed against the question and the names written before it, as the reply encoder does.
 * RDATA of types without names is copied as it is.
 */

/** Types whose RDATA may hold compressed names (RFC 1035 and RFC 3597 section 4) other than the ones rewritten here. */
const LEGACY_COMPRESSED_TYPES = new Set([3, 4, 7, 8, 9, 14, 17, 18, 21, 26, 35, 36]);

const scratch = Buffer.allocUnsafe(MAX_MESSAGE_SIZE + 1024);
const names = new NameCompressor();

/** Writes the reordered body into `scratch`, reading names from the query's question followed by the old body. */
class BodyRewriter {
  pos = 0;
  private readonly message: Buffer;
  /** Message offset of the body's first byte. */
  private readonly base: number;

  constructor(message: Buffer, base: number, compressed: boolean) {
    this.message = message;
    this.base = base;
    names.beginFrom(message, compressed ? HEADER_LENGTH : null);
  }

  /**
   * Copies the name at body offset `at` and returns where it ended in the body; with `limit`,
   * throws when the name runs past it (a record this cannot rewrite faithfully).
   */
  name(at: number, compress: boolean, limit = Infinity): number {
    const end = names.loadFrom(this.message, this.base + at) - this.base;
    if (end > limit) throw new DnsParseError('name runs past its record', at);
    this.pos = names.write(scratch, this.pos, this.base + this.pos, compress);
    return end;
  }

  bytes(source: Buffer, start: number, end: number): void {
    source.copy(scratch, this.pos, start, end);
    this.pos += end - start;
  }
}

/**
 * A copy of `reply` with its records in `order` (indices into the body's records; each section's
 * indices must stay within that section). Null when a name does not decode or a record type might
 * hide compressed names this cannot follow: the caller then keeps the reply as it is.
 */
export function relayout(query: Query, reply: Reply, order: readonly number[]): Reply | null {
  const { body, ttlOffsets } = reply;
  for (const ttlAt of ttlOffsets) if (LEGACY_COMPRESSED_TYPES.has(recordType(body, ttlAt))) return null;
  const { raw, questionEnd } = query;
  const message = Buffer.concat([raw.subarray(0, questionEnd), body]);
  try {
    const writer = new BodyRewriter(message, questionEnd, reply.qname !== null);
    const offsets = new Uint32Array(order.length);
    order.forEach((index, position) => {
      const ttlAt = ttlOffsets[index] as number;
      writer.name(recordStart(reply, index), true);
      // TYPE, CLASS and TTL as they were.
      writer.bytes(body, ttlAt - 4, ttlAt + 4);
      offsets[position] = writer.pos - 4;
      const lengthAt = writer.pos;
      writer.pos += 2;
      rewriteData(writer, body, ttlAt);
      scratch.writeUInt16BE(writer.pos - lengthAt - 2, lengthAt);
      if (questionEnd + writer.pos > MAX_MESSAGE_SIZE) throw new DnsParseError('reordered reply too large', writer.pos);
    });
    return { ...reply, body: Buffer.from(scratch.subarray(0, writer.pos)), ttlOffsets: offsets };
  } catch (error) {
    if (error instanceof DnsParseError) return null;
    throw error;
  }
}

/** Copies the RDATA of the record whose TTL is at `ttlAt`, its names written again. */
function rewriteData(writer: BodyRewriter, body: Buffer, ttlAt: number): void {
  const start = recordDataStart(ttlAt);
  const end = recordEnd(body, ttlAt);
  switch (recordType(body, ttlAt)) {
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
      writer.name(start, true, end);
      return;
    case RRType.MX:
      writer.bytes(body, start, start + 2);
      writer.name(start + 2, true, end);
      return;
    case RRType.SRV:
      writer.bytes(body, start, start + 6);
      // RFC 2782: the target is never compressed, though later names may point into it.
      writer.name(start + 6, false, end);
      return;
    case RRType.SOA: {
      const rnameAt = writer.name(start, true, end);
      const numbersAt = writer.name(rnameAt, true, end);
      writer.bytes(body, numbersAt, end);
      return;
    }
    default:
      writer.bytes(body, start, end);
  }
}
