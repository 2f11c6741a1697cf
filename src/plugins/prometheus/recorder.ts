import { toFqdn } from '../../dns/names.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import type { CounterCell, HistogramCell } from '../../metrics/families.ts';
import {
  requestCount,
  requestDo,
  requestDuration,
  requestSize,
  responseRcode,
  responseSize,
} from '../../metrics/coredns.ts';
import type { Request, Transport } from '../../plugin/types.ts';
import type { ResponseObserver } from '../../server/request.ts';
import { answeringPlugin } from '../../server/request.ts';
import { rcodeLabel, TYPE_LABELS, typeSlot } from './labels.ts';

/** CoreDNS has no views here: the label is always empty. */
const VIEW = '';
const PROTOS: readonly Transport[] = ['udp', 'tcp'];
const FAMILIES = ['1', '2'] as const;

function protoSlot(transport: Transport): number {
  return transport === 'udp' ? 0 : 1;
}

/** 1 for IPv4 clients, 2 for IPv6 (dual-stack sockets already show IPv4 clients as IPv4). */
function familySlot(remoteAddress: string): number {
  return remoteAddress.includes(':') ? 1 : 0;
}

/**
 * The metric cells of one (server, zone): made as label combinations first appear (so the
 * exposition lists only what happened, as Go's client does), then found by array index.
 */
export class ZoneCells {
  readonly duration: HistogramCell;
  private readonly server: string;
  private readonly zone: string;
  /** By proto, family and type slot. */
  private readonly requests: (CounterCell | undefined)[] = [];
  private readonly requestSizes: (HistogramCell | undefined)[] = [];
  private readonly responseSizes: (HistogramCell | undefined)[] = [];
  private dnssecOk: CounterCell | undefined;
  /** By answering plugin, then rcode. */
  private readonly responses = new Map<string, (CounterCell | undefined)[]>();

  constructor(server: string, zone: DomainName) {
    this.server = server;
    this.zone = toFqdn(zone);
    this.duration = requestDuration.cell(server, this.zone, VIEW);
  }

  countRequest(request: Request): void {
    const { query } = request;
    const proto = protoSlot(request.transport);
    const family = familySlot(request.remoteAddress);
    const type = typeSlot(query.type);
    const slot = (proto * FAMILIES.length + family) * TYPE_LABELS.length + type;
    (this.requests[slot] ??= requestCount.cell(this.server, this.zone, VIEW, PROTOS[proto]!, FAMILIES[family]!, TYPE_LABELS[type]!)).inc();
    if (query.edns?.dnssecOk) (this.dnssecOk ??= requestDo.cell(this.server, this.zone, VIEW)).inc();
    (this.requestSizes[proto] ??= requestSize.cell(this.server, this.zone, VIEW, PROTOS[proto]!)).observe(query.raw.length);
  }

  countResponse(transport: Transport, rcode: number, plugin: string, size: number): void {
    const proto = protoSlot(transport);
    (this.responseSizes[proto] ??= responseSize.cell(this.server, this.zone, VIEW, PROTOS[proto]!)).observe(size);
    let byRcode = this.responses.get(plugin);
    if (byRcode === undefined) this.responses.set(plugin, (byRcode = []));
    (byRcode[rcode] ??= responseRcode.cell(this.server, this.zone, VIEW, rcodeLabel(rcode), plugin)).inc();
  }
}

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
    if (cells === undefined) zones.set(request.zone, (cells = new ZoneCells(request.server, request.zone)));
    return cells;
  }

  responded(request: Request, reply: Reply, response: Buffer): void {
    this.cellsFor(request).countResponse(request.transport, reply.rcode, answeringPlugin(request), response.length);
  }
}
