import { className, RRClass, RRType, typeName } from '../dns/constants.ts';
import type { DecodedRecord } from '../dns/message.ts';
import { toFqdn } from '../dns/names.ts';

/** A character-string as dig prints it: quoted, with `"` and `\` escaped and other bytes as \DDD. */
function quoted(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\${String(byte).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

/** The data of a record in presentation form; RFC 3597's `\# LENGTH HEX` for types not modelled. */
export function formatData(record: DecodedRecord): string {
  if ('data' in record) return `\\# ${record.data.length}${record.data.length > 0 ? ` ${record.data.toString('hex')}` : ''}`;
  switch (record.type) {
    case RRType.A:
    case RRType.AAAA:
      return record.address;
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.NS:
      return toFqdn(record.target);
    case RRType.SRV:
      return `${record.priority} ${record.weight} ${record.port} ${toFqdn(record.target)}`;
    case RRType.MX:
      return `${record.preference} ${toFqdn(record.exchange)}`;
    case RRType.SOA:
      return `${toFqdn(record.mname)} ${toFqdn(record.rname)} ${record.serial} ${record.refresh} ${record.retry} ${record.expire} ${record.minimum}`;
    case RRType.TXT:
      return record.text.map(quoted).join(' ');
    case RRType.HINFO:
      return `${quoted(record.cpu)} ${quoted(record.os)}`;
    case RRType.OPT:
      return '';
  }
}

/** One record as dig prints it in a section: owner, TTL, class, type, data, tab-separated. */
export function formatRecord(record: DecodedRecord): string {
  if ('udpSize' in record) return `; EDNS: version ${record.version}, udp ${record.udpSize}`;
  return [toFqdn(record.name), record.ttl, className(record.class ?? RRClass.IN), typeName(record.type), formatData(record)].join('\t');
}
