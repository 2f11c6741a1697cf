import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { decoded, skipName } from '../../dns/name-codec.ts';
import { nameWireLength } from '../../dns/names.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import type { DomainName, Query, Reply, ResourceRecord } from '../../dns/types.ts';
import type { Transferer } from '../../toolkit/offers.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';

/** What one message of a transfer may carry, uncompressed, as CoreDNS batches: under 64 KiB with room for the header and question. */
const MESSAGE_RECORD_BYTES = 63_000;
const REFUSED = emptyReply(RCode.REFUSED);
const SERVFAIL = emptyReply(RCode.SERVFAIL);

/** A record's length on the wire without compression, as miekg's dns.Len counts it for the batches. */
function recordLength(record: ResourceRecord): number {
  const fixed = nameWireLength(record.name) + 10;
  switch (record.type) {
    case RRType.A:
      return fixed + 4;
    case RRType.AAAA:
      return fixed + 16;
    case RRType.SRV:
      return fixed + 6 + nameWireLength(record.target);
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      return fixed + nameWireLength(record.target);
    case RRType.SOA:
      return fixed + nameWireLength(record.mname) + nameWireLength(record.rname) + 20;
    default:
      // Nothing else is transferred; a generous bound keeps a batch under the limit anyway.
      return fixed + 512;
  }
}

/** IXFR's serial: the one SOA record in the query's authority section (RFC 1995), or null when it has none. */
export function ixfrSerial(query: Query): number | null {
  const { raw } = query;
  if (raw.readUInt16BE(6) !== 0 || raw.readUInt16BE(8) !== 1) return null;
  try {
    const fixed = skipName(raw, query.questionEnd);
    if (raw.readUInt16BE(fixed) !== RRType.SOA) return null;
    const rdata = fixed + 10;
    skipName(raw, rdata);
    skipName(raw, decoded.end);
    return raw.readUInt32BE(decoded.end);
  } catch {
    return null;
  }
}

/** The transfer's records in messages of at most MESSAGE_RECORD_BYTES each, every one echoing the question. */
function messages(qname: DomainName, records: readonly ResourceRecord[]): Reply {
  const batches: ResourceRecord[][] = [[]];
  let size = 0;
  for (const record of records) {
    const length = recordLength(record);
    if (size + length > MESSAGE_RECORD_BYTES && batches.at(-1)!.length > 0) {
      batches.push([]);
      size = 0;
    }
    batches.at(-1)!.push(record);
    size += length;
  }
  const [first, ...rest] = batches.map((answer) => prepareReply({ rcode: RCode.NOERROR, flags: HeaderFlag.AA, qname, sections: { answer, authority: [], additional: [] } }));
  return rest.length === 0 ? first! : { ...first!, followedBy: rest };
}

export interface TransferRule {
  readonly zones: readonly DomainName[];
  allowed(remoteAddress: string): boolean;
  /** Told of each transfer sent, as CoreDNS logs "Outgoing transfer of N records of zone Z to C for S SOA serial". */
  sent(zone: DomainName, records: number, client: string, serial: number): void;
}

function serialOf(records: readonly ResourceRecord[]): number {
  const first = records[0];
  return first !== undefined && first.type === RRType.SOA ? first.serial : 0;
}

/**
 * CoreDNS's transfer ServeDNS: AXFR and IXFR of a zone `rule` covers go to the transferer that
 * serves it exactly (its apex), over TCP only (UDP is REFUSED), from an allowed client (else
 * REFUSED); an IXFR without its SOA is SERVFAIL. Anything else goes on down the chain.
 */
export function transferHandler(rule: TransferRule, transferer: Transferer | undefined, next: Handler): Handler {
  return (request: Request) => {
    const { query } = request;
    if (query.type !== RRType.AXFR && query.type !== RRType.IXFR) return next(request);
    if (request.transport !== 'tcp') return REFUSED;
    if (matchZone(rule.zones, query.name) === null) return next(request);
    if (!rule.allowed(request.remoteAddress)) return REFUSED;
    let serial: number | null = null;
    if (query.type === RRType.IXFR) {
      serial = ixfrSerial(query);
      if (serial === null) return SERVFAIL;
    }
    if (transferer === undefined || !transferer.zones.includes(query.name)) return next(request);
    const send = (records: readonly ResourceRecord[]): Reply => {
      rule.sent(query.name, records.length, request.remoteAddress, serialOf(records));
      return messages(query.name, records);
    };
    const records = transferer.transfer(query.name, serial);
    return isPromiseLike(records) ? Promise.resolve(records).then(send) : send(records);
  };
}
