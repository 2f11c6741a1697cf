import { isIP } from 'node:net';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { isSubdomain } from '../../dns/names.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply, ResourceRecord, SOARecord } from '../../dns/types.ts';
import type { ExternalAnswer, Externaler } from '../../toolkit/offers.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import type { ExternalOptions } from './parse.ts';

function join(label: string, zone: DomainName): DomainName {
  return zone === '' ? label : `${label}.${zone}`;
}

/** Resolved at setup: the zones, the options, and the kubernetes plugin's Externaler. */
export interface ExternalSetup {
  readonly zones: readonly DomainName[];
  readonly options: ExternalOptions;
  readonly externaler: Externaler;
}

interface Sections {
  readonly rcode: number;
  readonly answer: ResourceRecord[];
  readonly additional: ResourceRecord[];
}

/** `next` of the value, at once when it is there, else once it is (from the main thread, on a worker). */
function then<T, R>(value: T | Promise<T>, next: (value: T) => R | Promise<R>): R | Promise<R> {
  return isPromiseLike(value) ? Promise.resolve(value).then(next) : next(value);
}

function addressRecord(name: DomainName, ttl: number, address: string): ResourceRecord | null {
  const family = isIP(address);
  if (family === 4) return { type: RRType.A, name, ttl, address };
  if (family === 6) return { type: RRType.AAAA, name, ttl, address };
  return null;
}

/**
 * CoreDNS's k8s_external ServeDNS: the apex (SOA, NS with `ns1.APEX.zone` and this server's
 * addresses), the `APEX` subdomain (`ns1`'s addresses), and every other name from the cluster's
 * external addresses: A, AAAA, SRV and PTR; other types NODATA. A name with nothing is NXDOMAIN
 * (or the next plugin's, with `fallthrough`), with the zone's SOA.
 */
export function externalHandler(setup: ExternalSetup, next: Handler): Handler {
  const { zones, options, externaler } = setup;
  const { ttl, apex, headless } = options;

  function reply(request: Request, zone: DomainName, sections: Sections): Reply | Promise<Reply> {
    return then(externaler.serial(), (serial) => {
      const soa: SOARecord = {
        type: RRType.SOA,
        name: zone,
        ttl,
        mname: join('ns1', join(apex, zone)),
        rname: join('hostmaster', join(apex, zone)),
        serial,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: ttl,
      };
      const answer = request.query.type === RRType.SOA && request.query.name === zone ? [soa] : sections.answer;
      const authority = answer.length === 0 ? [soa] : [];
      return prepareReply({ rcode: sections.rcode, flags: HeaderFlag.AA, qname: request.query.name, sections: { answer, authority, additional: sections.additional } });
    });
  }

  function nameserverRecords(name: DomainName, qtypes: readonly number[]): ResourceRecord[] | Promise<ResourceRecord[]> {
    return then(externaler.nameserverAddresses(headless), (addresses) =>
      addresses.map((address) => addressRecord(name, ttl, address)).filter((record): record is ResourceRecord => record !== null && qtypes.includes(record.type)),
    );
  }

  function apexAnswer(request: Request, zone: DomainName): Reply | Promise<Reply> {
    const { type } = request.query;
    if (type !== RRType.NS) return reply(request, zone, { rcode: RCode.NOERROR, answer: [], additional: [] });
    const nameserver = join('ns1', join(apex, zone));
    return then(nameserverRecords(nameserver, [RRType.A, RRType.AAAA]), (additional) =>
      reply(request, zone, { rcode: RCode.NOERROR, answer: [{ type: RRType.NS, name: zone, ttl, target: nameserver }], additional }),
    );
  }

  function subApexAnswer(request: Request, zone: DomainName): Reply | Promise<Reply> {
    const { name, type } = request.query;
    const labels = name.slice(0, name.length - zone.length - 1).split('.');
    if (labels.length === 1) return reply(request, zone, { rcode: RCode.NOERROR, answer: [], additional: [] });
    if (labels.length !== 2 || labels[0] !== 'ns1') return reply(request, zone, { rcode: RCode.NXDOMAIN, answer: [], additional: [] });
    return then(nameserverRecords(name, [type]), (answer) => reply(request, zone, { rcode: RCode.NOERROR, answer, additional: [] }));
  }

  function records(request: Request, zone: DomainName, found: ExternalAnswer): Sections {
    const { name, type } = request.query;
    const answer: ResourceRecord[] = [];
    const additional: ResourceRecord[] = [];
    const seen = new Set<string>();
    const once = (key: string): boolean => !seen.has(key) && seen.add(key) !== undefined;
    for (const entry of found.entries) {
      const family = isIP(entry.host);
      switch (type) {
        case RRType.A:
        case RRType.AAAA: {
          // A load balancer's hostname: the CNAME alone (CoreDNS also asks its upstream for the target's addresses).
          if (family === 0) answer.push({ type: RRType.CNAME, name, ttl, target: entry.host });
          else if ((family === 4) === (type === RRType.A) && once(entry.host)) answer.push(addressRecord(name, ttl, entry.host)!);
          break;
        }
        case RRType.SRV: {
          const weight = Math.max(1, Math.floor((100 / (100 * found.entries.length)) * 100));
          const target = family === 0 ? entry.host : entry.target;
          if (once(`${target} ${entry.port}`)) answer.push({ type: RRType.SRV, name, ttl, priority: 0, weight, port: entry.port, target });
          if (family !== 0 && once(`${target} address ${entry.host}`)) additional.push(addressRecord(target, ttl, entry.host)!);
          break;
        }
        case RRType.PTR:
          if (once(entry.host)) answer.push({ type: RRType.PTR, name, ttl, target: join(entry.host, zones[0] ?? zone) });
          break;
      }
    }
    return { rcode: found.rcode, answer, additional };
  }

  return (request) => {
    const { name } = request.query;
    const zone = matchZone(zones, name);
    if (zone === null) return next(request);
    if (name === zone) return apexAnswer(request, zone);
    if (isSubdomain(name, join(apex, zone))) return subApexAnswer(request, zone);
    return then(externaler.external(name, zone, request.query.type, headless), (found) => {
      if (found.entries.length === 0 && found.rcode === RCode.NXDOMAIN && options.fallthrough !== null && matchZone(options.fallthrough, name) !== null) {
        return next(request);
      }
      return reply(request, zone, records(request, zone, found));
    });
  };
}
