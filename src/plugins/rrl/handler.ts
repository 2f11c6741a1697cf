import type { Logger } from 'pino';
import { HeaderFlag, RCode, rcodeName, typeName } from '../../dns/constants.ts';
import { toFqdn } from '../../dns/names.ts';
import { emptyReply } from '../../dns/reply.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import type { PodLookup } from '../../toolkit/offers.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { AccountTable, Verdict } from './accounts.ts';
import { categoryOf, responseToken } from './category.ts';
import { requestsExceeded, responsesExceeded } from './metrics.ts';
import type { RrlOptions } from './parse.ts';
import { ClientPrefixes } from './prefix.ts';

/** Nothing goes back: the server sends no datagram, as the external plugin writes none. */
const DROPPED: Reply = { ...emptyReply(RCode.NOERROR), silent: true };

/** Where a namespace's key cannot be taken for an address prefix, which holds no `ns:`. */
const NAMESPACE_KEY_PREFIX = 'ns:';

export interface RrlDependencies {
  /** Monotonic milliseconds. */
  readonly now: () => number;
  readonly logger: Logger;
  /** The block's pods, for `per-namespace`; null where nothing knows them. */
  readonly pods: PodLookup | null;
}

/** One `rrl` line set up: its zones resolved, its table, its clients' keys. */
export class ResponseRateLimiter {
  private readonly zones: readonly DomainName[];
  private readonly options: RrlOptions;
  private readonly table: AccountTable;
  private readonly prefixes: ClientPrefixes;
  private readonly pods: PodLookup | null;
  private readonly namespaceKeys = new Map<string, string>();
  private readonly logger: Logger;
  private readonly debug: boolean;
  private warnedFull = false;

  constructor(zones: readonly DomainName[], options: RrlOptions, dependencies: RrlDependencies) {
    this.zones = zones;
    this.options = options;
    this.table = new AccountTable({ capacity: options.maxTableSize, windowMs: options.windowMs, slipRatio: options.slipRatio, now: dependencies.now });
    this.prefixes = new ClientPrefixes(options.ipv4PrefixLength, options.ipv6PrefixLength);
    this.pods = options.perNamespace ? dependencies.pods : null;
    this.logger = dependencies.logger;
    this.debug = dependencies.logger.isLevelEnabled('debug');
  }

  readonly factory: HandlerFactory = (next: Handler): Handler => (request) => this.serve(request, next);

  /**
   * The external plugin's ServeDNS: requests over their rate are dropped whatever the transport;
   * UDP responses are categorized and debited once the chain has answered, and dropped or slipped
   * (empty, TC=1, so the client asks again over TCP) over theirs. TCP responses are not limited.
   */
  serve(request: Request, next: Handler): Reply | Promise<Reply> {
    if (matchZone(this.zones, request.query.name) === null) return next(request);
    const client = this.clientKey(request.remoteAddress);
    const { requestIntervalMs, reportOnly } = this.options;
    if (requestIntervalMs > 0 && this.overLimit(this.table.debit(client, requestIntervalMs))) {
      requestsExceeded.inc(request.remoteAddress);
      if (this.debug) this.logger.debug({ client: request.remoteAddress, key: client }, 'request rate exceeded');
      if (!reportOnly) return DROPPED;
    }
    if (request.transport !== 'udp') return next(request);
    const result = next(request);
    if (isPromiseLike(result)) return Promise.resolve(result).then((reply) => this.limit(request, client, reply));
    return this.limit(request, client, result);
  }

  /** The client's account key: its namespace where the cluster knows it as a pod and `per-namespace` asks, else its prefix. */
  clientKey(address: string): string {
    const namespace = this.pods?.namespaceOf(address) ?? null;
    if (namespace === null) return this.prefixes.of(address);
    let key = this.namespaceKeys.get(namespace);
    if (key === undefined) {
      key = NAMESPACE_KEY_PREFIX + namespace;
      this.namespaceKeys.set(namespace, key);
    }
    return key;
  }

  private limit(request: Request, client: string, reply: Reply): Reply {
    if (reply.silent === true) return reply;
    const category = categoryOf(reply);
    const interval = this.options.intervalsMs[category];
    if (interval === 0) return reply;
    const token = responseToken(client, category, request.query, reply);
    const verdict = this.table.debit(token, interval);
    if (!this.overLimit(verdict)) return reply;
    responsesExceeded.inc(request.remoteAddress);
    if (this.debug) {
      const { name, type } = request.query;
      this.logger.debug({ client: request.remoteAddress, token, qname: toFqdn(name), qtype: typeName(type), rcode: rcodeName(reply.rcode) }, 'response rate exceeded');
    }
    if (this.options.reportOnly) return reply;
    // A slipped response keeps its rcode and flags with every section emptied, and TC set.
    return verdict === Verdict.SLIP ? emptyReply(reply.rcode, reply.flags | HeaderFlag.TC) : DROPPED;
  }

  private overLimit(verdict: Verdict): boolean {
    if (verdict === Verdict.UNTRACKED && !this.warnedFull) {
      this.warnedFull = true;
      this.logger.warn({ maxTableSize: this.options.maxTableSize }, 'rrl table full of accounts in use: new ones go unlimited until some fall idle');
    }
    return verdict === Verdict.DROP || verdict === Verdict.SLIP;
  }
}
