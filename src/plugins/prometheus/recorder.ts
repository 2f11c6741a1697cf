import { toFqdn } from '../../dns/names.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import { ZoneCells } from '../../metrics/dns-cells.ts';
import { answeringPlugin, type ResponseObserver } from '../../toolkit/request.ts';
import type { Request } from '../../toolkit/types.ts';

/**
 * The cells of one prometheus directive's block, by listener and zone: a query costs two Map
 * lookups and a few increments. It also observes the responses (rcode, size, answering plugin).
 */
export class DnsRecorder implements ResponseObserver {
  readonly plugin = 'prometheus';
  private readonly servers = new Map<string, Map<DomainName, ZoneCells>>();

  cellsFor(request: Request): ZoneCells {
    let zones = this.servers.get(request.server);
    if (zones === undefined) this.servers.set(request.server, (zones = new Map()));
    let cells = zones.get(request.zone);
    if (cells === undefined) zones.set(request.zone, (cells = new ZoneCells(request.server, toFqdn(request.zone))));
    return cells;
  }

  responded(request: Request, reply: Reply, response: Buffer): void {
    this.cellsFor(request).countResponse(request.transport, reply.rcode, answeringPlugin(request), response.length);
  }
}
