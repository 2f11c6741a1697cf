import { DnsParseError } from '../../dns/errors.ts';
import { decodeName } from '../../dns/name-codec.ts';
import type { DomainName, Query, Reply } from '../../dns/types.ts';

/*
 * Reading the records of a Reply's body without decoding it: a record's TYPE and CLASS sit just
 * before its TTL, and its RDLENGTH just after, so Reply.ttlOffsets give every record's fixed
 * fields and bounds. Names are decoded only when asked for (CNAME chains, owner checks).
 * Shared by the cache and loadbalance plugins.
 */

/** RDATA starts after the TTL (4 bytes) and RDLENGTH (2 bytes). */
const TTL_TO_DATA = 6;
/** The shortest owner name (the root label) before TYPE and CLASS. */
const MIN_OWNER_AND_TYPE = 5;

export function recordType(body: Buffer, ttlAt: number): number {
  return ((body[ttlAt - 4] as number) << 8) | (body[ttlAt - 3] as number);
}

export function recordClass(body: Buffer, ttlAt: number): number {
  return ((body[ttlAt - 2] as number) << 8) | (body[ttlAt - 1] as number);
}

export function recordTtl(body: Buffer, ttlAt: number): number {
  return body.readUInt32BE(ttlAt);
}

export function recordDataStart(ttlAt: number): number {
  return ttlAt + TTL_TO_DATA;
}

/** Offset just past the record whose TTL is at `ttlAt`. */
export function recordEnd(body: Buffer, ttlAt: number): number {
  return ttlAt + TTL_TO_DATA + (((body[ttlAt + 4] as number) << 8) | (body[ttlAt + 5] as number));
}

/** Where record `index` starts: right after the one before it. */
export function recordStart(reply: Reply, index: number): number {
  return index === 0 ? 0 : recordEnd(reply.body, reply.ttlOffsets[index - 1] as number);
}

/**
 * Whether `ttlOffsets` describe the body record by record, back to back to its end. Replies come
 * from other plugins (forward relays upstream bytes); one that does not hold is passed through
 * untouched rather than cached or reordered.
 */
export function isWalkable(reply: Reply): boolean {
  const { body, ttlOffsets } = reply;
  if (ttlOffsets.length !== reply.answerCount + reply.authorityCount + reply.additionalCount) return false;
  let end = 0;
  for (let i = 0; i < ttlOffsets.length; i++) {
    const ttlAt = ttlOffsets[i] as number;
    if (ttlAt < end + MIN_OWNER_AND_TYPE || ttlAt + TTL_TO_DATA > body.length) return false;
    end = recordEnd(body, ttlAt);
    if (end > body.length) return false;
  }
  return end === body.length;
}

/**
 * Decodes names in a Reply's body. Compression pointers are message offsets computed for the body
 * sitting behind the question, so the names are read from the query's header and question
 * followed by the body, assembled once on first use.
 */
export class BodyNames {
  private readonly query: Query;
  private readonly reply: Reply;
  private message: Buffer | null = null;

  constructor(query: Query, reply: Reply) {
    this.query = query;
    this.reply = reply;
  }

  /** The lower-cased name at `offset` in the body; throws DnsParseError when it does not decode. */
  nameAt(offset: number): DomainName {
    if (offset >= this.reply.body.length) throw new DnsParseError('name outside the reply body', offset);
    let message = this.message;
    if (message === null) {
      const { raw, questionEnd } = this.query;
      message = this.message = Buffer.concat([raw.subarray(0, questionEnd), this.reply.body]);
    }
    return decodeName(message, this.query.questionEnd + offset, true);
  }

  owner(index: number): DomainName {
    return this.nameAt(recordStart(this.reply, index));
  }

  /** The name a CNAME (or NS, PTR) record's RDATA holds. */
  target(index: number): DomainName {
    return this.nameAt(recordDataStart(this.reply.ttlOffsets[index] as number));
  }
}
