import { HEADER_LENGTH, MAX_MESSAGE_SIZE, RRType } from '../../dns/constants.ts';
import { DnsParseError } from '../../dns/errors.ts';
import { MAX_POINTER_TARGET } from '../../dns/name-codec.ts';
import { recordDataStart, recordEnd, recordStart, recordType } from '../../dns/reply-records.ts';
import type { Query, Reply } from '../../dns/types.ts';

/*
 * Writes a Reply's records in another order. Moving records moves the names that compression
 * pointers aim at, so every name is read label by label (keeping its bytes and case) and written
 * again, compressed against the question and the names written before it, as the reply encoder
 * does. RDATA of types without names is copied as it is.
 */

/** Types whose RDATA may hold compressed names (RFC 1035 and RFC 3597 section 4) other than the ones rewritten here. */
const LEGACY_COMPRESSED_TYPES = new Set([3, 4, 7, 8, 9, 14, 17, 18, 21, 26, 35, 36]);

const scratch = Buffer.allocUnsafe(MAX_MESSAGE_SIZE + 1024);

/** The labels of the name at `offset` (pointers followed, bytes as sent), and where the name ends. */
function readLabels(message: Buffer, offset: number): { labels: Buffer[]; end: number } {
  const labels: Buffer[] = [];
  let pos = offset;
  let segmentStart = offset;
  let end = -1;
  for (;;) {
    if (pos >= message.length) throw new DnsParseError('name runs past the end of the message', pos);
    const length = message[pos] as number;
    if (length === 0) break;
    if ((length & 0xc0) === 0xc0) {
      if (pos + 1 >= message.length) throw new DnsParseError('compression pointer runs past the end', pos);
      const target = ((length & 0x3f) << 8) | (message[pos + 1] as number);
      if (target >= segmentStart) throw new DnsParseError('compression pointer does not point backwards', pos);
      if (end < 0) end = pos + 2;
      pos = segmentStart = target;
      continue;
    }
    if ((length & 0xc0) !== 0 || pos + 1 + length > message.length) throw new DnsParseError('bad label', pos);
    labels.push(message.subarray(pos + 1, pos + 1 + length));
    pos += 1 + length;
  }
  return { labels, end: end < 0 ? pos + 1 : end };
}

/** A suffix of labels as a lower-cased map key. */
function suffixKey(labels: readonly Buffer[], from: number): string {
  let key = '';
  for (let i = from; i < labels.length; i++) {
    const label = labels[i] as Buffer;
    key += String.fromCharCode(label.length);
    for (const b of label) key += String.fromCharCode(b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
  }
  return key;
}

class BodyRewriter {
  pos = 0;
  /** Message offset of the body's first byte. */
  private readonly base: number;
  private readonly suffixes: Map<string, number> | null;

  constructor(base: number, question: readonly Buffer[] | null) {
    this.base = base;
    if (question === null) {
      this.suffixes = null;
      return;
    }
    this.suffixes = new Map();
    let offset = HEADER_LENGTH;
    for (let i = 0; i < question.length; i++) {
      this.suffixes.set(suffixKey(question, i), offset);
      offset += 1 + (question[i] as Buffer).length;
    }
  }

  name(labels: readonly Buffer[], compress: boolean): void {
    const suffixes = this.suffixes;
    let reused = labels.length;
    let target = -1;
    if (suffixes !== null && compress) {
      for (let i = 0; i < labels.length; i++) {
        const offset = suffixes.get(suffixKey(labels, i));
        if (offset !== undefined) {
          reused = i;
          target = offset;
          break;
        }
      }
    }
    for (let i = 0; i < reused; i++) {
      const label = labels[i] as Buffer;
      const at = this.base + this.pos;
      if (suffixes !== null && at <= MAX_POINTER_TARGET) {
        const key = suffixKey(labels, i);
        if (!suffixes.has(key)) suffixes.set(key, at);
      }
      scratch[this.pos++] = label.length;
      label.copy(scratch, this.pos);
      this.pos += label.length;
    }
    if (target >= 0) {
      scratch.writeUInt16BE(0xc000 | target, this.pos);
      this.pos += 2;
    } else {
      scratch[this.pos++] = 0;
    }
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
    const question = reply.qname === null ? null : readLabels(message, HEADER_LENGTH).labels;
    const writer = new BodyRewriter(questionEnd, question);
    const offsets = new Uint32Array(order.length);
    order.forEach((index, position) => {
      const ttlAt = ttlOffsets[index] as number;
      writer.name(readLabels(message, questionEnd + recordStart(reply, index)).labels, true);
      // TYPE, CLASS and TTL as they were.
      writer.bytes(body, ttlAt - 4, ttlAt + 4);
      offsets[position] = writer.pos - 4;
      const lengthAt = writer.pos;
      writer.pos += 2;
      rewriteData(writer, message, questionEnd, body, ttlAt);
      scratch.writeUInt16BE(writer.pos - lengthAt - 2, lengthAt);
      if (questionEnd + writer.pos > MAX_MESSAGE_SIZE) throw new DnsParseError('reordered reply too large', writer.pos);
    });
    return { ...reply, body: Buffer.from(scratch.subarray(0, writer.pos)), ttlOffsets: offsets };
  } catch (error) {
    if (error instanceof DnsParseError) return null;
    throw error;
  }
}

function rewriteData(writer: BodyRewriter, message: Buffer, base: number, body: Buffer, ttlAt: number): void {
  const start = recordDataStart(ttlAt);
  const end = recordEnd(body, ttlAt);
  // A name that runs past its RDATA means a record this cannot rewrite faithfully.
  const nameAt = (offset: number) => {
    const name = readLabels(message, base + offset);
    if (name.end - base > end) throw new DnsParseError('name runs past its record', offset);
    return name;
  };
  switch (recordType(body, ttlAt)) {
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
      writer.name(nameAt(start).labels, true);
      return;
    case RRType.MX:
      writer.bytes(body, start, start + 2);
      writer.name(nameAt(start + 2).labels, true);
      return;
    case RRType.SRV:
      writer.bytes(body, start, start + 6);
      // RFC 2782: the target is never compressed, though later names may point into it.
      writer.name(nameAt(start + 6).labels, false);
      return;
    case RRType.SOA: {
      const mname = nameAt(start);
      const rname = nameAt(mname.end - base);
      writer.name(mname.labels, true);
      writer.name(rname.labels, true);
      writer.bytes(body, rname.end - base, end);
      return;
    }
    default:
      writer.bytes(body, start, end);
  }
}
