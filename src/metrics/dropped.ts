import { RCode } from '../dns/constants.ts';
import type { Query } from '../dns/types.ts';
import type { Endpoints } from '../toolkit/types.ts';
import { DROPPED_ZONE } from './coredns.ts';
import { ZoneCells } from './dns-cells.ts';

/** What the server reports about queries it refused before any plugin saw them. */
export type RefusedReporter = (query: Query, from: Endpoints, response: Buffer) => void;

/**
 * Counts a listener's refused queries (no zone matched, a block without plugins, a class other
 * than IN) as CoreDNS's server does: zone "dropped", rcode REFUSED, no plugin, duration 0.
 */
export function refusedReporter(server: string): RefusedReporter {
  let cells: ZoneCells | undefined;
  return (query, from, response) => {
    cells ??= new ZoneCells(server, DROPPED_ZONE);
    cells.countRequest(query, from.transport, from.remoteAddress);
    cells.duration.observe(0);
    cells.countResponse(from.transport, RCode.REFUSED, '', response.length);
  };
}
