import { RCode, RRType } from './constants.ts';
import { skipName } from './name-codec.ts';

/** CoreDNS's MinimalDefaultTTL and MaximumDefaultTTL, in seconds. */
const MINIMAL_TTL = 5;
const MAXIMUM_TTL = 3600;

/**
 * How long a whole response may be cached, as CoreDNS's dnsutil.MinimalTTL reads it (DoH's
 * Cache-Control max-age): the lowest TTL of its records (OPT aside) up to an hour, for answers,
 * NXDOMAIN and NODATA; 5 s for errors, delegations and responses without records. `message` is a
 * response this server encoded, so it is well formed.
 */
export function minimalTtl(message: Buffer): number {
  const rcode = message[3]! & 0x0f;
  const answers = message.readUInt16BE(6);
  const authorities = message.readUInt16BE(8);
  const records = answers + authorities + message.readUInt16BE(10);
  if (rcode !== RCode.NOERROR && rcode !== RCode.NXDOMAIN) return MINIMAL_TTL;
  let offset = 12;
  for (let question = message.readUInt16BE(4); question > 0; question--) offset = skipName(message, offset) + 4;
  let lowest = MAXIMUM_TTL;
  let counted = 0;
  for (let index = 0; index < records; index++) {
    offset = skipName(message, offset);
    const type = message.readUInt16BE(offset);
    const ttl = message.readUInt32BE(offset + 4);
    offset += 10 + message.readUInt16BE(offset + 8);
    // A delegation: CoreDNS's Typify calls it neither an answer nor a denial.
    if (rcode === RCode.NOERROR && answers === 0 && index === 0 && authorities > 0 && type === RRType.NS) return MINIMAL_TTL;
    if (type === RRType.OPT) continue;
    counted++;
    if (ttl < lowest) lowest = ttl;
  }
  return counted === 0 ? MINIMAL_TTL : lowest;
}
