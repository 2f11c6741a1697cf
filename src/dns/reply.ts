import { HEADER_LENGTH, MAX_MESSAGE_SIZE, RRClass, RRType } from './constants.ts';
import { DnsEncodeError } from './errors.ts';
import { writeIPv4, writeIPv6 } from './ip.ts';
import { MAX_NAME_LENGTH } from './name-codec.ts';
import { NameCompressor } from './name-compressor.ts';
import { nameWireLength } from './names.ts';
import { ownedCopy, type ByteArena } from './owned-bytes.ts';
import { isUnknownRecord, type ReplyRecord, type ReplyRecords } from './reply-records.ts';
import type { DomainName, Reply, ResourceRecord } from './types.ts';

const MAX_CHARACTER_STRING = 255;

/** Room for a whole message plus one record's worth of overrun before the size check. */
const scratch = Buffer.allocUnsafe(MAX_MESSAGE_SIZE + 4 * MAX_NAME_LENGTH + 64);
const names = new NameCompressor();

/**
 * Writes the body of one reply into `scratch`. Offsets it remembers for compression are
 * absolute message offsets: the body starts right after a question whose name is `qname`.
 */
class BodyWriter {
  pos = 0;
  readonly base: number;
  readonly ttlOffsets: number[] = [];

  constructor(qname: DomainName | null) {
    names.begin(qname);
    this.base = qname === null ? 0 : HEADER_LENGTH + nameWireLength(qname) + 4;
  }

  /** Writes `name`, replacing its longest already-written suffix with a pointer when `compress`. */
  name(name: DomainName, compress: boolean): void {
    names.loadText(name);
    this.pos = names.write(scratch, this.pos, this.base + this.pos, compress);
  }

  uint16(value: number, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new DnsEncodeError(`${what} out of range`, value);
    scratch.writeUInt16BE(value, this.pos);
    this.pos += 2;
  }

  uint32(value: number, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new DnsEncodeError(`${what} out of range`, value);
    scratch.writeUInt32BE(value, this.pos);
    this.pos += 4;
  }

  characterString(bytes: Buffer): void {
    scratch[this.pos++] = bytes.length;
    bytes.copy(scratch, this.pos);
    this.pos += bytes.length;
  }

  record(record: ReplyRecord): void {
    this.name(record.name, true);
    this.uint16(record.type, 'record type');
    this.uint16(record.class ?? RRClass.IN, 'record class');
    this.ttlOffsets.push(this.pos);
    this.uint32(record.ttl, 'TTL');
    const lengthAt = this.pos;
    this.pos += 2;
    if (isUnknownRecord(record)) this.rawData(record.data, record.name);
    else this.rdata(record);
    scratch.writeUInt16BE(this.pos - lengthAt - 2, lengthAt);
    if (this.base + this.pos > MAX_MESSAGE_SIZE) throw new DnsEncodeError('reply larger than 65535 bytes', record.name);
  }

  /** RDATA copied as it came: RFC 3597 says data of types a server does not know holds no compression pointers. */
  rawData(data: Buffer, owner: DomainName): void {
    if (this.base + this.pos + data.length > MAX_MESSAGE_SIZE) throw new DnsEncodeError('reply larger than 65535 bytes', owner);
    data.copy(scratch, this.pos);
    this.pos += data.length;
  }

  rdata(record: ResourceRecord): void {
    switch (record.type) {
      case RRType.A:
        if (!writeIPv4(record.address, scratch, this.pos)) throw new DnsEncodeError('bad IPv4 address', record.address);
        this.pos += 4;
        return;
      case RRType.AAAA:
        if (!writeIPv6(record.address, scratch, this.pos)) throw new DnsEncodeError('bad IPv6 address', record.address);
        this.pos += 16;
        return;
      case RRType.CNAME:
      case RRType.PTR:
      case RRType.NS:
        this.name(record.target, true);
        return;
      case RRType.SRV:
        this.uint16(record.priority, 'SRV priority');
        this.uint16(record.weight, 'SRV weight');
        this.uint16(record.port, 'SRV port');
        // RFC 2782: the target must not be compressed (later names may still point into it).
        this.name(record.target, false);
        return;
      case RRType.MX:
        this.uint16(record.preference, 'MX preference');
        this.name(record.exchange, true);
        return;
      case RRType.SOA:
        this.name(record.mname, true);
        this.name(record.rname, true);
        this.uint32(record.serial, 'SOA serial');
        this.uint32(record.refresh, 'SOA refresh');
        this.uint32(record.retry, 'SOA retry');
        this.uint32(record.expire, 'SOA expire');
        this.uint32(record.minimum, 'SOA minimum');
        return;
      case RRType.TXT:
        this.txt(record.text);
        return;
      case RRType.HINFO:
        for (const text of [record.cpu, record.os]) {
          const bytes = Buffer.from(text, 'utf8');
          if (bytes.length > MAX_CHARACTER_STRING) throw new DnsEncodeError('HINFO string longer than 255 bytes', text);
          this.characterString(bytes);
        }
        return;
      default:
        throw new DnsEncodeError('record type the encoder does not model', (record as { type: unknown }).type);
    }
  }

  /** Each string is cut into 255-byte character-strings; no strings at all still writes one empty one. */
  txt(texts: readonly string[]): void {
    if (texts.length === 0) {
      scratch[this.pos++] = 0;
      return;
    }
    for (const text of texts) {
      const bytes = Buffer.from(text, 'utf8');
      const pieces = Math.max(1, Math.ceil(bytes.length / MAX_CHARACTER_STRING));
      if (this.base + this.pos + bytes.length + pieces > MAX_MESSAGE_SIZE) {
        throw new DnsEncodeError('reply larger than 65535 bytes', text.slice(0, 64));
      }
      for (let piece = 0; piece < pieces; piece++) {
        this.characterString(bytes.subarray(piece * MAX_CHARACTER_STRING, (piece + 1) * MAX_CHARACTER_STRING));
      }
    }
  }
}

/**
 * Encodes the three sections once. Owner names and NS/CNAME/PTR/SOA/MX targets are compressed
 * against the question name (at offset 12) and every earlier name; SRV targets never are; the
 * data of raw (unknown) records is copied as it is. With `qname: null` nothing is compressed,
 * so the body suits any question. Throws DnsEncodeError on values that cannot go on the wire.
 */
/** `arena`: where the reply's bytes are kept, when its owner keeps many and lets them go together. */
export function prepareReply(init: { rcode: number; flags: number; qname: DomainName | null; sections: ReplyRecords }, arena?: ByteArena): Reply {
  const { rcode, flags, qname, sections } = init;
  if (!Number.isInteger(rcode) || rcode < 0 || rcode > 0xfff) throw new DnsEncodeError('rcode out of range', rcode);
  const writer = new BodyWriter(qname);
  let minTtl: number | null = null;
  for (const record of sections.answer) {
    writer.record(record);
    if (minTtl === null || record.ttl < minTtl) minTtl = record.ttl;
  }
  for (const record of sections.authority) {
    writer.record(record);
    if (minTtl === null || record.ttl < minTtl) minTtl = record.ttl;
  }
  for (const record of sections.additional) writer.record(record);
  return {
    rcode,
    flags,
    qname,
    // Replies are kept (memoized, cached), so they get memory of their own.
    body: arena === undefined ? ownedCopy(scratch.subarray(0, writer.pos)) : arena.copy(scratch.subarray(0, writer.pos)),
    answerCount: sections.answer.length,
    authorityCount: sections.authority.length,
    additionalCount: sections.additional.length,
    ttlOffsets: arena === undefined ? Uint32Array.from(writer.ttlOffsets) : arena.uint32s(writer.ttlOffsets),
    minTtl,
  };
}

const emptyBody = Buffer.alloc(0);
const noOffsets = new Uint32Array(0);
const emptyReplies = new Map<number, Reply>();

/** A reply without records, shared per (rcode, flags). */
export function emptyReply(rcode: number, flags = 0): Reply {
  const key = rcode * 0x10000 + flags;
  let reply = emptyReplies.get(key);
  if (reply === undefined) {
    reply = Object.freeze({
      rcode,
      flags,
      qname: null,
      body: emptyBody,
      answerCount: 0,
      authorityCount: 0,
      additionalCount: 0,
      ttlOffsets: noOffsets,
      minTtl: null,
    });
    emptyReplies.set(key, reply);
  }
  return reply;
}
