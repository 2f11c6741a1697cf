import { isSubdomain } from '../dns/names.ts';
import type { DomainName } from '../dns/types.ts';

/**
 * The longest of `zones` that holds `name`, or null: CoreDNS's plugin.Zones.Matches, which
 * plugins ask both for the zone a query is in and whether it is in any of theirs.
 */
export function matchZone(zones: readonly DomainName[], name: DomainName): DomainName | null {
  let best: DomainName | null = null;
  for (const zone of zones) {
    if (isSubdomain(name, zone) && (best === null || zone.length > best.length)) best = zone;
  }
  return best;
}
