import { RRType } from '../../dns/constants.ts';
import { decodeName, decoded, writeName, MAX_NAME_LENGTH } from '../../dns/name-codec.ts';
import { encodeName, toFqdn } from '../../dns/names.ts';
import type { DomainName } from '../../dns/types.ts';
import { expand } from './regex.ts';
import { isUnknownRecord, type ReplyRecord } from '../../dns/reply-records.ts';

/*
 * Response rules work on names in CoreDNS's form (lower case, trailing dot), so that a rule's
 * strings match exactly what they match in CoreDNS.
 */

/** Maps one absolute name (with its trailing dot) to another; returns it unchanged when it does not apply. */
export type StringRewriter = (name: string) => string;

export function regexRewriter(pattern: RegExp, replacement: string): StringRewriter {
  return (name) => expand(pattern, replacement, name) ?? name;
}

/** `from` itself, or a name below it, moved to `to` (CoreDNS's remapStringRewriter). */
export function remapRewriter(from: string, to: string): StringRewriter {
  return (name) => {
    if (name === from) return to;
    const cut = name.length - from.length;
    if (cut > 0 && name.charCodeAt(cut - 1) === 0x2e && name.endsWith(from)) return name.slice(0, cut) + to;
    return name;
  };
}

export function suffixRewriter(suffix: string, replacement: string): StringRewriter {
  return (name) => (name.endsWith(suffix) ? name.slice(0, name.length - suffix.length) + replacement : name);
}

/** Rewrites the owner names (`name`) or the names records point to (`value`) of the response. */
export interface NameResponseRule {
  readonly kind: 'name' | 'value';
  readonly rewrite: StringRewriter;
}

/** A `ttl` rule's: TTLs below `min` become `min`, above `max` become `max`. */
export interface TtlResponseRule {
  readonly kind: 'ttl';
  readonly min: number;
  readonly max: number;
}

/** An `rcode` rule's: a response with RCODE `from` gets `to`. */
export interface RcodeResponseRule {
  readonly kind: 'rcode';
  readonly from: number;
  readonly to: number;
}

/** A `cname` rule's: the new target for a CNAME target (CoreDNS form), or null when the rule does not match it. */
export interface CnameResponseRule {
  readonly kind: 'cname';
  retarget(target: string): string | null;
}

/**
 * What a matched rule does to the response, as CoreDNS's ResponseRule: applied to every record
 * of the response, the rules in reverse order of how they were collected (reverter.ts).
 */
export type ResponseRule = NameResponseRule | TtlResponseRule | RcodeResponseRule | CnameResponseRule;

/** CoreDNS's form of a name back to the server's: no trailing dot, root as ''. */
export function fromFqdn(name: string): DomainName {
  if (name === '.') return '';
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function mapName(name: DomainName, rewrite: StringRewriter): DomainName {
  const fqdn = toFqdn(name);
  const mapped = rewrite(fqdn);
  return mapped === fqdn ? name : fromFqdn(mapped);
}

const NAPTR = 35;
const DNAME = 39;

/** One record with a name or value rule applied; the same object when nothing changed. */
export function rewriteRecordName(record: ReplyRecord, rule: NameResponseRule): ReplyRecord {
  if (rule.kind === 'name') {
    const name = mapName(record.name, rule.rewrite);
    return name === record.name ? record : { ...record, name };
  }
  if (isUnknownRecord(record)) {
    if (record.type !== DNAME && record.type !== NAPTR) return record;
    const data = rewriteDataName(record.data, record.type === DNAME ? 0 : naptrReplacementOffset(record.data), rule.rewrite);
    return data === record.data ? record : { ...record, data };
  }
  switch (record.type) {
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.NS:
    case RRType.SRV: {
      const target = mapName(record.target, rule.rewrite);
      return target === record.target ? record : { ...record, target };
    }
    case RRType.MX: {
      const exchange = mapName(record.exchange, rule.rewrite);
      return exchange === record.exchange ? record : { ...record, exchange };
    }
    case RRType.SOA: {
      const mname = mapName(record.mname, rule.rewrite);
      return mname === record.mname ? record : { ...record, mname };
    }
    default:
      return record;
  }
}

/** Where the replacement name of NAPTR data starts: after two numbers and three character-strings. */
function naptrReplacementOffset(data: Buffer): number {
  let pos = 4;
  for (let i = 0; i < 3 && pos < data.length; i++) pos += 1 + (data[pos] as number);
  return pos;
}

/** The data with the uncompressed name at `offset` (running to the end) rewritten; the same buffer when unchanged or unreadable. */
function rewriteDataName(data: Buffer, offset: number, rewrite: StringRewriter): Buffer {
  let name: DomainName;
  try {
    name = decodeName(data, offset, false);
  } catch {
    return data;
  }
  if (decoded.end !== data.length) return data;
  const mapped = mapName(name, rewrite);
  if (mapped === name) return data;
  const wire = encodeName(mapped);
  return Buffer.concat([data.subarray(0, offset), wire]);
}

const nameCheck = Buffer.allocUnsafe(MAX_NAME_LENGTH);

/** Whether a rewritten question (CoreDNS form) is a name that can go on the wire: dns.IsDomainName's test. */
export function isValidName(fqdn: string): boolean {
  if (fqdn === '.') return true;
  if (fqdn === '' || fqdn.startsWith('.') || fqdn.includes('..')) return false;
  try {
    writeName(fromFqdn(fqdn), nameCheck, 0);
    return true;
  } catch {
    return false;
  }
}
