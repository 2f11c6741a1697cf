import { isIP } from 'node:net';
import type { ClusterView } from '../../cluster/types.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import type {
  AAAARecord,
  ARecord,
  CNAMERecord,
  DomainName,
  NSRecord,
  PTRRecord,
  ResourceRecord,
  Sections,
  SOARecord,
  SRVRecord,
  TXTRecord,
} from '../../dns/types.ts';
import { NAME_ERROR, services, type Entry, type Scope } from './backend.ts';
import type { AnswerOptions } from './options.ts';
import { reverse } from './reverse.ts';
import { isSubdomain } from '../../dns/names.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { join } from './zones.ts';

export interface Answer {
  readonly rcode: number;
  readonly sections: Sections;
  /** The AA bit: set on every answer this plugin gives except REFUSED. */
  readonly authoritative: boolean;
}

/** A name error in a `fallthrough` zone: the next plugin answers instead. */
export const FALLTHROUGH = 'fallthrough';

const NONE: readonly ResourceRecord[] = [];
/** CoreDNS stops following CNAMEs inside its zones after this many. */
const MAX_CNAME_CHAIN = 10;

type Records = readonly ResourceRecord[] | typeof NAME_ERROR;
interface WithExtra {
  readonly answer: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
}

function lowerName(host: string): DomainName {
  return host.toLowerCase().replace(/\.$/, '');
}

function addressRecord(name: DomainName, ttl: number, address: string): ARecord | AAAARecord {
  return isIP(address) === 4 ? { type: RRType.A, name, ttl, address } : { type: RRType.AAAA, name, ttl, address };
}

/**
 * A and AAAA (backend_lookup's A/AAAA): addresses of the wanted family; names (ExternalName) as a
 * CNAME, followed inside the zone. A target outside the zone is answered with the CNAME alone:
 * CoreDNS asks its own server chain for it, which a plugin here cannot do.
 */
function addresses(scope: Scope, name: DomainName, qtype: number, previous: readonly CNAMERecord[]): Records {
  const found = services(scope, name, qtype);
  if (found === NAME_ERROR) return NAME_ERROR;
  const records: ResourceRecord[] = [];
  const seen = new Set<string>();
  for (const entry of found) {
    const family = isIP(entry.host);
    if (family === 0) {
      if (entry.text !== undefined) continue;
      const target = lowerName(entry.host);
      // x CNAME x (or a name below x) would loop.
      if (isSubdomain(target, name)) continue;
      if (previous.length > MAX_CNAME_CHAIN || previous.some((c) => c.target === target)) continue;
      const cname: CNAMERecord = { type: RRType.CNAME, name, ttl: entry.ttl, target };
      if (!isSubdomain(target, scope.zone)) {
        records.push(cname);
        continue;
      }
      const next = addresses(scope, target, qtype, [...previous, cname]);
      if (next !== NAME_ERROR && next.length > 0) records.push(cname, ...next);
      continue;
    }
    if ((family === 4) !== (qtype === RRType.A) || seen.has(entry.host)) continue;
    seen.add(entry.host);
    records.push(addressRecord(name, entry.ttl, entry.host));
  }
  return records;
}

/**
 * SRV (backend_lookup's SRV): one record per distinct target and port, weighted 100/n of the n
 * entries found (portless ones included, as CoreDNS counts them), with the targets' addresses in
 * the additional section.
 */
function srv(scope: Scope, name: DomainName): WithExtra | typeof NAME_ERROR {
  const found = services(scope, name, RRType.SRV);
  if (found === NAME_ERROR) return NAME_ERROR;
  const total = 100 * found.length;
  const weight = Math.max(1, Math.floor((100 / total) * 100));
  const answer: SRVRecord[] = [];
  const additional: ResourceRecord[] = [];
  const seenPorts = new Set<string>();
  const seenAddresses = new Set<string>();
  for (const entry of found) {
    if (entry.port === -1 || isIP(entry.host) === 0) continue;
    const portKey = `${entry.target} ${entry.port}`;
    if (!seenPorts.has(portKey)) {
      seenPorts.add(portKey);
      answer.push({ type: RRType.SRV, name, ttl: entry.ttl, priority: 0, weight, port: entry.port, target: entry.target });
    }
    const addressKey = `${entry.target} ${entry.host}`;
    if (!seenAddresses.has(addressKey)) {
      seenAddresses.add(addressKey);
      additional.push(addressRecord(entry.target, entry.ttl, entry.host));
    }
  }
  return { answer, additional };
}

function txt(scope: Scope, name: DomainName): Records {
  const found = services(scope, name, RRType.TXT);
  if (found === NAME_ERROR) return NAME_ERROR;
  const records: TXTRecord[] = [];
  for (const entry of found) {
    if (entry.text === undefined || records.some((r) => r.text[0] === entry.text)) continue;
    records.push({ type: RRType.TXT, name, ttl: entry.ttl, text: [entry.text] });
  }
  return records;
}

/** CNAME: only the first entry counts, and only when it is a name (an ExternalName service). */
function cname(scope: Scope, name: DomainName): Records {
  const found = services(scope, name, RRType.CNAME);
  if (found === NAME_ERROR) return NAME_ERROR;
  const first: Entry | undefined = found[0];
  if (first === undefined || isIP(first.host) !== 0 || first.text !== undefined) return NONE;
  return [{ type: RRType.CNAME, name, ttl: first.ttl, target: lowerName(first.host) }];
}

function ptr(scope: Scope, name: DomainName): Records {
  const found = reverse(scope, name);
  if (found === NAME_ERROR) return NAME_ERROR;
  const records: PTRRecord[] = [];
  for (const entry of found) {
    if (isIP(entry.host) !== 0 || records.some((r) => r.target === entry.host)) continue;
    records.push({ type: RRType.PTR, name, ttl: entry.ttl, target: entry.host });
  }
  return records;
}

/** NS at the apex: one record per distinct nameserver name, every address in the additional section. */
function ns(scope: Scope, name: DomainName): WithExtra | typeof NAME_ERROR {
  const found = services(scope, join('ns.dns', scope.zone), RRType.NS);
  if (found === NAME_ERROR) return NAME_ERROR;
  const answer: NSRecord[] = [];
  const additional: ResourceRecord[] = [];
  for (const entry of found) {
    if (isIP(entry.host) === 0) continue;
    additional.push(addressRecord(entry.target, entry.ttl, entry.host));
    if (answer.some((r) => r.target === entry.target)) continue;
    answer.push({ type: RRType.NS, name, ttl: entry.ttl, target: entry.target });
  }
  return { answer, additional };
}

/** The zone's SOA as CoreDNS writes it; its TTL is the plugin TTL capped at 300. */
export function soaRecord(view: ClusterView, options: AnswerOptions, zone: DomainName): SOARecord {
  return {
    type: RRType.SOA,
    name: zone,
    ttl: Math.min(options.ttl, 300),
    mname: join('ns.dns', zone),
    rname: join('hostmaster', zone),
    serial: view.modified >>> 0,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: options.ttl,
  };
}

function negative(view: ClusterView, options: AnswerOptions, zone: DomainName, rcode: number): Answer {
  return { rcode, authoritative: true, sections: { answer: NONE, authority: [soaRecord(view, options, zone)], additional: NONE } };
}

function positive(answer: readonly ResourceRecord[], additional: readonly ResourceRecord[] = NONE): Answer {
  return { rcode: RCode.NOERROR, authoritative: true, sections: { answer, authority: NONE, additional } };
}

/** An A lookup whose records are dropped: it tells NODATA from NXDOMAIN for the types nothing serves. */
function existence(scope: Scope, name: DomainName): Records {
  return addresses(scope, name, RRType.A, []) === NAME_ERROR ? NAME_ERROR : NONE;
}

/**
 * Answers `qname`/`qtype` in `zone` (one of options.zones, the longest holding qname) from the
 * cluster, exactly as CoreDNS 1.14's kubernetes plugin does: the record types it serves, its
 * NXDOMAIN/NODATA split, the SOA it puts in the authority section, and `fallthrough`.
 * `nsAtApex` false answers NS at the apex like any other type: CoreDNS compares the lower-cased
 * name with the zone as the client spelled it, so an apex spelled with capitals gets NODATA.
 */
export function answer(
  view: ClusterView,
  options: AnswerOptions,
  qname: DomainName,
  qtype: number,
  zone: DomainName,
  nsAtApex = true,
): Answer | typeof FALLTHROUGH {
  const scope: Scope = { view, options, zone };
  let result: Records | WithExtra;
  switch (qtype) {
    case RRType.A:
    case RRType.AAAA:
      result = addresses(scope, qname, qtype, []);
      break;
    case RRType.TXT:
      result = txt(scope, qname);
      break;
    case RRType.CNAME:
      result = cname(scope, qname);
      break;
    case RRType.PTR:
      result = ptr(scope, qname);
      break;
    case RRType.SRV:
      result = srv(scope, qname);
      break;
    case RRType.MX: {
      // Kubernetes has no mail exchangers: MX only tells a name that exists from one that does not.
      const found = services(scope, qname, RRType.MX);
      result = found === NAME_ERROR ? NAME_ERROR : NONE;
      break;
    }
    case RRType.SOA:
      // Only the apex has a SOA; any other name is NODATA, existing or not, as in CoreDNS.
      result = qname === zone ? [soaRecord(view, options, zone)] : NONE;
      break;
    case RRType.AXFR:
    case RRType.IXFR:
      return { rcode: RCode.REFUSED, authoritative: false, sections: { answer: NONE, authority: NONE, additional: NONE } };
    default:
      // NS below the apex is answered like any other type.
      result = qtype === RRType.NS && qname === zone && nsAtApex ? ns(scope, qname) : existence(scope, qname);
  }

  if (result === NAME_ERROR) {
    if (options.fallthrough !== null && matchZone(options.fallthrough, qname) !== null) return FALLTHROUGH;
    return negative(view, options, zone, RCode.NXDOMAIN);
  }
  const [answerRecords, additional] = 'answer' in result ? [result.answer, result.additional] : [result, NONE];
  if (answerRecords.length === 0) return negative(view, options, zone, RCode.NOERROR);
  return positive(answerRecords, additional);
}
