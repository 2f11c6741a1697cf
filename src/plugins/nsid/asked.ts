import { RRType } from '../../dns/constants.ts';
import { skipName } from '../../dns/name-codec.ts';
import type { Query } from '../../dns/types.ts';

/** TYPE, CLASS, TTL and RDLENGTH after a record's owner name. */
const RECORD_FIXED_LENGTH = 10;

/**
 * Whether the query's OPT record carries an option with `code`. The parsed Query keeps no
 * options, so the record is found again in the raw message, whose framing parseQuery checked.
 */
export function hasEdnsOption(query: Query, code: number): boolean {
  if (query.edns === null) return false;
  const raw = query.raw;
  const before = raw.readUInt16BE(6) + raw.readUInt16BE(8);
  const records = before + raw.readUInt16BE(10);
  let pos = query.questionEnd;
  for (let i = 0; i < records; i++) {
    const fixed = skipName(raw, pos);
    const end = fixed + RECORD_FIXED_LENGTH + raw.readUInt16BE(fixed + 8);
    if (i >= before && raw.readUInt16BE(fixed) === RRType.OPT) {
      for (let at = fixed + RECORD_FIXED_LENGTH; at + 4 <= end; at += 4 + raw.readUInt16BE(at + 2)) {
        if (raw.readUInt16BE(at) === code) return true;
      }
      return false;
    }
    pos = end;
  }
  return false;
}
