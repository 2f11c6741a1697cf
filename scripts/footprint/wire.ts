/** Just enough DNS wire format for the load generator: encode a query, read a reply's header. */
import type { Expected, QueryType } from './queries.ts';

const TYPE_CODES: Readonly<Record<QueryType, number>> = { A: 1, AAAA: 28, SRV: 33 };

/** A standard query (RD set, one question, class IN) with ID 0; `setId` fills the ID in later. */
export function encodeQuery(name: string, type: QueryType): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const nameLength = labels.reduce((sum, label) => sum + 1 + Buffer.byteLength(label), 1);
  const packet = Buffer.alloc(12 + nameLength + 4);
  packet.writeUInt16BE(0x0100, 2); // RD
  packet.writeUInt16BE(1, 4); // QDCOUNT
  let at = 12;
  for (const label of labels) {
    const length = Buffer.byteLength(label);
    if (length === 0 || length > 63) throw new Error(`bad label in ${JSON.stringify(name)}`);
    packet[at++] = length;
    at += packet.write(label, at, 'ascii');
  }
  packet[at++] = 0;
  packet.writeUInt16BE(TYPE_CODES[type], at);
  packet.writeUInt16BE(1, at + 2);
  return packet;
}

export function setId(packet: Buffer, id: number): void {
  packet.writeUInt16BE(id & 0xffff, 0);
}

export interface ReplyHeader {
  readonly id: number;
  readonly rcode: number;
  readonly answers: number;
  readonly truncated: boolean;
}

/** The header of a reply; null when the datagram is too short or not a response. */
export function readReplyHeader(packet: Buffer): ReplyHeader | null {
  if (packet.length < 12 || (packet[2]! & 0x80) === 0) return null;
  return { id: packet.readUInt16BE(0), rcode: packet[3]! & 0x0f, answers: packet.readUInt16BE(6), truncated: (packet[2]! & 0x02) !== 0 };
}

/** What a reply header says, in the terms queries.ts expects; `other` for SERVFAIL, REFUSED, ... */
export function classify(header: ReplyHeader): Expected | 'other' {
  if (header.rcode === 3) return 'nxdomain';
  if (header.rcode !== 0) return 'other';
  return header.answers > 0 ? 'answer' : 'nodata';
}
