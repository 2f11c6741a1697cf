import { RRType } from '../dns/constants.ts';
import type { DomainName, ResourceRecord, SOARecord } from '../dns/types.ts';

/** A records of `name`, one for each address. */
export function aRecords(name: DomainName, ttl: number, ...addresses: string[]): ResourceRecord[] {
  return addresses.map((address) => ({ name, type: RRType.A, ttl, address }));
}

/** The SOA a zone's negative answers carry; `minimum` bounds how long a denial is cached. */
export function soa(zone: DomainName, ttl: number, minimum: number): SOARecord {
  return {
    name: zone,
    type: RRType.SOA,
    ttl,
    mname: `ns.${zone}`,
    rname: `hostmaster.${zone}`,
    serial: 1,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum,
  };
}
