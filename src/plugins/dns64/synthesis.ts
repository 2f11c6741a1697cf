import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { DnsEncodeError } from '../../dns/errors.ts';
import { formatIPv6, writeIPv4 } from '../../dns/ip.ts';
import { prepareReply } from '../../dns/reply.ts';
import { isUnknownRecord, readReplyRecords, recordTtl, recordType, type ReplyRecord } from '../../dns/reply-records.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import type { Nat64Prefix } from './parse.ts';

/** The TTL cap when the AAAA answer carried no SOA (RFC 6147 5.1.7), as CoreDNS uses. */
const DEFAULT_SOA_TTL = 600;
/** RFC 6052's u-octet, bits 64-71, which stays zero. */
const U_OCTET = 8;

/**
 * The IPv6 address of `ipv4` under `prefix` (RFC 6052 2.2): the IPv4 bytes follow the prefix,
 * skipping the u-octet. Throws DnsEncodeError for text that is not an IPv4 address.
 */
export function embedIPv4(prefix: Nat64Prefix, ipv4: string): string {
  const v4 = new Uint8Array(4);
  if (!writeIPv4(ipv4, v4, 0)) throw new DnsEncodeError('bad IPv4 address', ipv4);
  const v6 = new Uint8Array(16);
  let at = prefix.length / 8;
  v6.set(prefix.bytes.subarray(0, at));
  for (const byte of v4) {
    if (at === U_OCTET) at++;
    v6[at++] = byte;
  }
  return formatIPv6(v6, 0);
}

/**
 * Whether an AAAA reply calls for synthesis (RFC 6147 5.1): not for a name error (NXDOMAIN with
 * an SOA, CoreDNS's response.NameError), not when it holds AAAA records unless `translateAll`;
 * every other outcome, errors included, counts as an empty answer.
 */
export function wantsSynthesis(reply: Reply, translateAll: boolean): boolean {
  if (reply.silent === true) return false;
  const { body, ttlOffsets } = reply;
  const answers = Math.min(reply.answerCount, ttlOffsets.length);
  const authorityEnd = Math.min(reply.answerCount + reply.authorityCount, ttlOffsets.length);
  if (reply.rcode === RCode.NXDOMAIN) {
    for (let i = answers; i < authorityEnd; i++) if (recordType(body, ttlOffsets[i] as number) === RRType.SOA) return false;
  }
  if (translateAll) return true;
  for (let i = 0; i < answers; i++) if (recordType(body, ttlOffsets[i] as number) === RRType.AAAA) return false;
  return true;
}

/** The TTL of the AAAA reply's SOA (its last, as CoreDNS reads them), else 600. */
export function soaTtl(reply: Reply): number {
  const { body, ttlOffsets } = reply;
  const authorityEnd = Math.min(reply.answerCount + reply.authorityCount, ttlOffsets.length);
  let ttl = DEFAULT_SOA_TTL;
  for (let i = reply.answerCount; i < authorityEnd; i++) {
    const ttlAt = ttlOffsets[i] as number;
    if (recordType(body, ttlAt) === RRType.SOA) ttl = recordTtl(body, ttlAt);
  }
  return ttl;
}

/**
 * CoreDNS's Synthesize: the A reply's answer with each A record turned into an AAAA under the
 * prefix, its TTL capped by `capTtl`, other records (CNAMEs) as they are; its authority and
 * additional sections unchanged (5.3.2); NOERROR whatever the A reply's RCODE, with its TC bit.
 */
export function synthesize(aReply: Reply, name: DomainName, capTtl: number, prefix: Nat64Prefix): Reply {
  const records = readReplyRecords(aReply, name);
  const answer = records.answer.map((record): ReplyRecord => {
    if (isUnknownRecord(record) || record.type !== RRType.A) return record;
    return { name: record.name, type: RRType.AAAA, class: record.class, ttl: Math.min(record.ttl, capTtl), address: embedIPv4(prefix, record.address) };
  });
  return prepareReply({
    rcode: RCode.NOERROR,
    flags: aReply.flags & HeaderFlag.TC,
    qname: name,
    sections: { answer, authority: records.authority, additional: records.additional },
  });
}
