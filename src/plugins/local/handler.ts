import { RCode, RRType } from '../../dns/constants.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply, ResourceRecord, SOARecord } from '../../dns/types.ts';
import type { CounterCell } from '../../metrics/families.ts';
import type { Handler, HandlerFactory } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';

/** CoreDNS's TTL for every local answer: a week. */
const TTL = 604_800;
const ZONES: readonly DomainName[] = ['localhost', '0.in-addr.arpa', '127.in-addr.arpa', '255.in-addr.arpa'];
const LOOPBACK_PTR = '1.0.0.127.in-addr.arpa';

function soa(origin: DomainName): SOARecord {
  return { type: RRType.SOA, name: origin, ttl: TTL, mname: 'localhost', rname: 'root.localhost', serial: 1, refresh: 0, retry: 0, expire: 0, minimum: TTL };
}

function reply(qname: DomainName, rcode: number, answer: ResourceRecord[], authority: ResourceRecord[]): Reply {
  return prepareReply({ rcode, flags: 0, qname, sections: { answer, authority, additional: [] } });
}

/** A, AAAA for a loopback name; its SOA for anything else. */
function loopback(qname: DomainName, qtype: number): Reply {
  if (qtype === RRType.A) return reply(qname, RCode.NOERROR, [{ type: RRType.A, name: qname, ttl: TTL, address: '127.0.0.1' }], []);
  if (qtype === RRType.AAAA) return reply(qname, RCode.NOERROR, [{ type: RRType.AAAA, name: qname, ttl: TTL, address: '::1' }], []);
  return reply(qname, RCode.NOERROR, [], [soa(qname)]);
}

/** The apex of a local zone: A/AAAA at `localhost` only, its SOA and NS, NODATA otherwise. */
function apex(qname: DomainName, qtype: number): Reply {
  switch (qtype) {
    case RRType.A:
    case RRType.AAAA:
      return qname === 'localhost' ? loopback(qname, qtype) : reply(qname, RCode.NOERROR, [], [soa(qname)]);
    case RRType.SOA:
      return reply(qname, RCode.NOERROR, [soa(qname)], []);
    case RRType.NS:
      return reply(qname, RCode.NOERROR, [{ type: RRType.NS, name: qname, ttl: TTL, target: 'localhost' }], []);
    default:
      return reply(qname, RCode.NOERROR, [], [soa(qname)]);
  }
}

/**
 * CoreDNS's local: names under `.localhost` (and, with `localhost_prefix`, `localhost.<domain>`)
 * are loopback addresses; the zones localhost, 0/127/255.in-addr.arpa answer their apex and
 * `1.0.0.127.in-addr.arpa` PTR `localhost`, NXDOMAIN below; anything else goes on.
 */
export function localHandler(localhostPrefix: boolean, specialCases: CounterCell): HandlerFactory {
  return (next: Handler): Handler =>
    (request) => {
      const { name, type } = request.query;
      const below = name.length > 'localhost'.length && name.endsWith('.localhost');
      const prefixed = localhostPrefix && name.length > 'localhost'.length && name.startsWith('localhost.');
      if (below || prefixed) {
        specialCases.inc();
        return loopback(name, type);
      }
      const zone = matchZone(ZONES, name);
      if (zone === null) return next(request);
      if (ZONES.includes(name)) return apex(name, type);
      if (name === LOOPBACK_PTR) {
        if (type === RRType.PTR) return reply(name, RCode.NOERROR, [{ type: RRType.PTR, name, ttl: TTL, target: 'localhost' }], []);
        return reply(name, RCode.NOERROR, [], [soa(zone)]);
      }
      return reply(name, RCode.NXDOMAIN, [], [soa(zone)]);
    };
}
