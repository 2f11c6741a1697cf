import type { Query } from '../dns/types.ts';
import type { Transport } from '../toolkit/types.ts';
import { requestCount, requestDo, requestDuration, requestSize, responseRcode, responseSize } from './coredns.ts';
import { rcodeLabel, TYPE_LABELS, typeSlot } from './dns-labels.ts';
import type { CounterCell, HistogramCell } from './families.ts';

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
 * The coredns_dns_* cells of one (server, zone), as CoreDNS's vars.Report fills them: made as
 * label combinations first appear (so the exposition lists only what happened, as Go's client
 * does), then found by array index, so counting a query allocates nothing.
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

  /** `zone` is the label as written: an FQDN (`cluster.local.`), or `dropped`. */
  constructor(server: string, zone: string) {
    this.server = server;
    this.zone = zone;
    this.duration = requestDuration.cell(server, zone, VIEW);
  }

  countRequest(query: Query, transport: Transport, remoteAddress: string): void {
    const proto = protoSlot(transport);
    const family = familySlot(remoteAddress);
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
