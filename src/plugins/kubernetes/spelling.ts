import { RRType } from '../../dns/constants.ts';
import type { DomainName, ResourceRecord, Sections } from '../../dns/types.ts';

/**
 * The zone as the client spelled it, and the question with it: CoreDNS builds names from the
 * zone cut out of the question as sent (`zone = qname[len(qname)-len(zone):]` in its handler).
 */
export interface Spelling {
  readonly qname: DomainName;
  readonly spelledQname: DomainName;
  readonly zone: DomainName;
  readonly spelledZone: DomainName;
}

export function spellingOf(qname: DomainName, spelledQname: DomainName, zone: DomainName): Spelling {
  return { qname, spelledQname, zone, spelledZone: zone === '' ? '' : spelledQname.slice(spelledQname.length - zone.length) };
}

/** A name this plugin built from the zone (a SOA's, an SRV or NS target), its zone part spelled as asked. */
function builtName(name: DomainName, spelling: Spelling): DomainName {
  const { zone, spelledZone } = spelling;
  if (zone === '' || zone === spelledZone) return name;
  if (name === zone) return spelledZone;
  return name.endsWith(`.${zone}`) ? name.slice(0, name.length - zone.length) + spelledZone : name;
}

function respelled(record: ResourceRecord, spelling: Spelling, ownerBuilt: boolean): ResourceRecord {
  const name = record.name === spelling.qname ? spelling.spelledQname : ownerBuilt ? builtName(record.name, spelling) : record.name;
  switch (record.type) {
    case RRType.SOA:
      return { ...record, name: builtName(record.name, spelling), mname: builtName(record.mname, spelling), rname: builtName(record.rname, spelling) };
    case RRType.SRV:
    case RRType.NS:
      return { ...record, name, target: builtName(record.target, spelling) };
    default:
      // CNAME targets are an ExternalName's, PTR targets the forward zone's: not built from this zone.
      return name === record.name ? record : { ...record, name };
  }
}

/**
 * The sections answered for a question spelled with capitals, as CoreDNS writes them: owners that
 * are the question's name as asked; the SOA, SRV and NS targets, and the additional records for
 * them, with the zone part as asked; object-derived labels lower-case.
 */
export function respellSections(sections: Sections, spelling: Spelling): Sections {
  return {
    answer: sections.answer.map((record) => respelled(record, spelling, false)),
    authority: sections.authority.map((record) => respelled(record, spelling, true)),
    additional: sections.additional.map((record) => respelled(record, spelling, true)),
  };
}
