import { HEADER_LENGTH, HeaderFlag, MAX_MESSAGE_SIZE, MIN_UDP_SIZE } from './constants.ts';
import { DnsEncodeError } from './errors.ts';
import { nameWireLength } from './names.ts';
import { appendOptions, OPT_RECORD_LENGTH, OPT_WITH_EDE_LENGTH, writeOpt } from './opt.ts';

const EDE_UDP_SIZE = 4096;
import { recordEnd } from './reply-records.ts';
import type { Query, Reply } from './types.ts';

/** Opcode, RD and CD follow the query. */
const ECHOED_FLAGS = 0x7800 | HeaderFlag.RD | HeaderFlag.CD;
/** What a reply may add: AA, TC, RA, Z, AD (never QR, opcode or RCODE bits). */
const REPLY_FLAGS = 0x07f0 & ~(HeaderFlag.RD | HeaderFlag.CD);

/**
 * The wire response to `query`: header, the question copied from the query, `reply.body`, and
 * an OPT record when the query had one. TTLs are reduced by `ttlElapsed` (floored at 0) in the
 * output only. Over `limit`, it keeps the longest run of whole records that fits, in section
 * order, and sets TC, as miekg's Msg.Truncate does for CoreDNS; the OPT record always stays.
 */
export function encodeResponse(query: Query, reply: Reply, limit: number, ttlElapsed = 0): Buffer {
  const raw = query.raw;
  const questionEnd = query.questionEnd;
  const qname = reply.qname;
  if (qname !== null && qname !== query.name && nameWireLength(qname) + HEADER_LENGTH + 4 !== questionEnd) {
    throw new DnsEncodeError('reply was compressed for a question of another length', qname);
  }
  const edns = query.edns;
  const ede = reply.ede;
  const optLength = ede !== undefined ? OPT_WITH_EDE_LENGTH + (reply.edeText?.length ?? 0) : edns === null ? 0 : OPT_RECORD_LENGTH;
  const body = reply.body;
  const ttlOffsets = reply.ttlOffsets;
  // Options ride in the OPT record, so they go only where one is written.
  const ednsOptions = optLength === 0 ? undefined : reply.ednsOptions;
  const optTotal = optLength + (ednsOptions?.length ?? 0);
  let answers = reply.answerCount;
  let authorities = reply.authorityCount;
  let additionals = reply.additionalCount;
  let records = ttlOffsets.length;
  let bodyLength = body.length;
  let truncated = false;
  if (questionEnd + bodyLength + optTotal > limit) {
    truncated = true;
    const budget = limit - questionEnd - optTotal;
    let kept = 0;
    let keptLength = 0;
    // A reply whose offsets do not describe its records cannot be cut safely: send none of them.
    if (records === answers + authorities + additionals) {
      for (; kept < records; kept++) {
        const ttlAt = ttlOffsets[kept] as number;
        const end = recordEnd(body, ttlAt);
        if (end > budget) break;
        keptLength = end;
      }
    }
    answers = Math.min(kept, answers);
    authorities = Math.min(kept - answers, authorities);
    additionals = kept - answers - authorities;
    records = kept;
    bodyLength = keptLength;
  }

  const bodyStart = questionEnd;
  const optStart = bodyStart + bodyLength;
  const out = Buffer.allocUnsafe(optStart + optTotal);
  const flags =
    HeaderFlag.QR |
    echoedFlags(query, reply) |
    (reply.flags & REPLY_FLAGS) |
    (truncated ? HeaderFlag.TC : 0) |
    (reply.rcode & 0xf);
  out[0] = raw[0] as number;
  out[1] = raw[1] as number;
  out[2] = flags >> 8;
  out[3] = flags & 0xff;
  out[4] = 0;
  out[5] = 1;
  out[6] = answers >> 8;
  out[7] = answers & 0xff;
  out[8] = authorities >> 8;
  out[9] = authorities & 0xff;
  const additionalTotal = additionals + (optTotal === 0 ? 0 : 1);
  out[10] = additionalTotal >> 8;
  out[11] = additionalTotal & 0xff;
  for (let i = HEADER_LENGTH; i < questionEnd; i++) out[i] = raw[i] as number;
  body.copy(out, bodyStart, 0, bodyLength);
  if (ttlElapsed > 0) {
    for (let i = 0; i < records; i++) {
      const at = bodyStart + (ttlOffsets[i] as number);
      const ttl = out.readUInt32BE(at);
      out.writeUInt32BE(ttl > ttlElapsed ? ttl - ttlElapsed : 0, at);
    }
  }
  // Without the query's OPT, CoreDNS's EDNS0(4096, DO) for an Extended DNS Error.
  if (ede !== undefined) writeOpt(out, optStart, edns?.udpSize ?? EDE_UDP_SIZE, reply.rcode, edns?.dnssecOk ?? true, ede, reply.edeText);
  else if (edns !== null) writeOpt(out, optStart, edns.udpSize, reply.rcode, edns.dnssecOk);
  if (ednsOptions !== undefined) appendOptions(out, optStart, optStart + optLength, ednsOptions);
  return out;
}

/** Opcode, RD and CD as the query had them; RD as the reply says where it says (header's `rd` rules). */
function echoedFlags(query: Query, reply: Reply): number {
  const echoed = query.flags & ECHOED_FLAGS;
  const recursionDesired = reply.recursionDesired;
  if (recursionDesired === undefined) return echoed;
  return recursionDesired ? echoed | HeaderFlag.RD : echoed & ~HeaderFlag.RD;
}

/** The most a UDP response may carry: 512 without EDNS, else the advertised size within 512..65535. */
export function udpLimit(query: Query): number {
  const edns = query.edns;
  if (edns === null) return MIN_UDP_SIZE;
  return Math.max(MIN_UDP_SIZE, Math.min(edns.udpSize, MAX_MESSAGE_SIZE));
}
