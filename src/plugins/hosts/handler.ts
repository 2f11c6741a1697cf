import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { addressFromReverse } from '../../dns/names.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply, ResourceRecord } from '../../dns/types.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { canonicalAddress, lookupAddresses, type HostsMap } from './hostsfile.ts';
import type { HostsSource } from './source.ts';

export interface HostsAnswerOptions {
  readonly zones: readonly DomainName[];
  readonly ttl: number;
  readonly fallthrough: readonly DomainName[] | null;
  readonly fallthroughUnsupported: boolean;
}

/** Replies kept per question while the hosts data stays the same; past this many, they start over. */
const MAX_MEMOIZED = 4096;

/** File entries first, then inline ones, as CoreDNS concatenates them. */
function addresses(source: HostsSource, family: 4 | 6, name: DomainName): string[] {
  return [...lookupAddresses(source.file, family, name), ...lookupAddresses(source.inline, family, name)];
}

function namesOf(map: HostsMap, address: string): readonly DomainName[] {
  return map.addr.get(address) ?? [];
}

/**
 * CoreDNS's hosts ServeDNS: A and AAAA from the data (exact names, then `*.` wildcards), PTR from
 * the reverse entries (whatever the zone). A name with no record of the asked type but some of the
 * other family is NODATA; an unknown name falls through where allowed, else SERVFAIL, since hosts
 * data has no SOA to make an NXDOMAIN with.
 */
export function createHostsHandler(source: HostsSource, options: HostsAnswerOptions): HandlerFactory {
  const { zones, ttl, fallthrough, fallthroughUnsupported } = options;
  const fallsThrough = (name: DomainName): boolean => fallthrough !== null && matchZone(fallthrough, name) !== null;
  const memo = new Map<string, Reply | null>();
  let memoGeneration = source.generation;

  /** The reply for a question, or null to pass it on. */
  function answer(name: DomainName, type: number): Reply | null {
    let records: ResourceRecord[] = [];
    switch (type) {
      case RRType.PTR: {
        const address = addressFromReverse(name);
        const canonical = address === null ? null : canonicalAddress(address);
        if (canonical === null) return null;
        const names = [...namesOf(source.file, canonical.address), ...namesOf(source.inline, canonical.address)];
        if (names.length === 0) return null;
        records = names.map((target) => ({ name, type: RRType.PTR, ttl, target }));
        break;
      }
      case RRType.A:
        records = addresses(source, 4, name).map((address) => ({ name, type: RRType.A, ttl, address }));
        break;
      case RRType.AAAA:
        records = addresses(source, 6, name).map((address) => ({ name, type: RRType.AAAA, ttl, address }));
        break;
      default:
        if (fallthroughUnsupported && fallsThrough(name)) return null;
    }
    if (records.length === 0 && addresses(source, 4, name).length === 0 && addresses(source, 6, name).length === 0) {
      return fallsThrough(name) ? null : emptyReply(RCode.SERVFAIL);
    }
    return prepareReply({ rcode: RCode.NOERROR, flags: HeaderFlag.AA, qname: name, sections: { answer: records, authority: [], additional: [] } });
  }

  return (next: Handler): Handler =>
    (request: Request) => {
      const { name, type } = request.query;
      if (type !== RRType.PTR && matchZone(zones, name) === null) return next(request);
      if (memoGeneration !== source.generation || memo.size >= MAX_MEMOIZED) {
        memo.clear();
        memoGeneration = source.generation;
      }
      const key = `${type} ${name}`;
      let reply = memo.get(key);
      if (reply === undefined) {
        reply = answer(name, type);
        memo.set(key, reply);
      }
      return reply ?? next(request);
    };
}
