import type { Logger } from 'pino';
import { MAX_MESSAGE_SIZE, RCode, RRClass, typeName } from '../dns/constants.ts';
import { isSubdomain, toFqdn } from '../dns/names.ts';
import { encodeReject, parseQuery } from '../dns/query.ts';
import { emptyReply } from '../dns/reply.ts';
import { encodeResponse, udpLimit } from '../dns/response.ts';
import type { Query, Reply } from '../dns/types.ts';
import type { RefusedReporter } from '../metrics/dropped.ts';
import { failureRcode, PluginError } from '../toolkit/errors.ts';
import { isPromiseLike } from '../toolkit/promise.ts';
import { ServerRequest } from '../toolkit/request.ts';
import type { Endpoints } from '../toolkit/types.ts';
import type { Route, Routing } from './chain.ts';
import { fairShareDrops, type FairShare } from './fair-share.ts';
import { DEFAULT_IN_FLIGHT_LIMITS, InFlight, type InFlightLimits } from './in-flight.ts';
import type { PendingAnswers } from './pending.ts';

/** DS (RFC 4034) is answered by the parent side of a zone cut: CoreDNS routes it to the shortest zone. */
const TYPE_DS = 43;

export interface DispatcherOptions {
  /** How logs and metrics name the listener: `dns://:53`. */
  readonly server: string;
  readonly routing: Routing;
  readonly logger: Logger;
  /** Told about queries refused before any plugin saw them (CoreDNS counts them under zone "dropped"). */
  readonly onRefused?: RefusedReporter;
  /** How many answers the listener may owe at once; DEFAULT_IN_FLIGHT_LIMITS unless given. */
  readonly inFlight?: InFlightLimits;
  /** The server's fair share under saturation, asked about each UDP query; none when absent. */
  readonly fairShare?: FairShare | null;
}

/** The bytes to send back (several messages for a zone transfer over TCP), null to stay silent. */
export type DnsResponse = Buffer | readonly Buffer[];

/** What to send back, or a promise of it when a plugin waits. */
export type DispatchResult = DnsResponse | null | Promise<DnsResponse | null>;

/** All a stream listener needs of its Dispatcher. */
export interface QueryDispatch {
  dispatch(packet: Buffer, from: Endpoints): DispatchResult;
}

/**
 * Turns packets into responses for one listener, as CoreDNS's Server.ServeDNS: parse, route to a
 * server block's chain, run it, encode the reply, tell the observers.
 */
export class Dispatcher {
  private readonly server: string;
  private routing: Routing;
  /** The routing's routes, longest zone first, so the first match is the longest. */
  private routes: readonly Route[];
  private readonly logger: Logger;
  private readonly onRefused: RefusedReporter | undefined;
  /** Kept across reloads with the dispatcher: what the listener owes does not start again with a configuration. */
  private readonly inFlight: InFlight;
  private readonly fairShare: FairShare | null;
  private readonly fairShareDrops: { inc(): void };

  constructor(options: DispatcherOptions) {
    this.server = options.server;
    this.routing = options.routing;
    this.routes = longestZoneFirst(options.routing.routes);
    this.logger = options.logger;
    this.onRefused = options.onRefused;
    this.inFlight = new InFlight(options.server, options.inFlight ?? DEFAULT_IN_FLIGHT_LIMITS);
    this.fairShare = options.fairShare ?? null;
    this.fairShareDrops = fairShareDrops(options.server);
  }

  /**
   * Routes later queries to a reloaded configuration's chains; queries already in a chain finish
   * there. The socket stays open, so a reload drops nothing on an address it keeps.
   */
  update(routing: Routing): void {
    this.routing = routing;
    this.routes = longestZoneFirst(routing.routes);
  }

  /** The response to one query from `from`: bytes to send, null to stay silent, or a promise of either. */
  dispatch(packet: Buffer, from: Endpoints): DispatchResult {
    // Before parsing: under saturation, what a dropped query does not cost is what lets the others through.
    if (from.transport === 'udp' && this.fairShare !== null && !this.fairShare.admits(from.remoteAddress)) {
      this.fairShareDrops.inc();
      return null;
    }
    const parsed = parseQuery(packet);
    if (parsed.kind === 'drop') return null;
    if (parsed.kind === 'reject') return encodeReject(packet, parsed.rcode);
    const query = parsed.query;
    // Over its in-flight bound a UDP client hears nothing, as from a full socket queue, and asks
    // again; a stream client is refused, as forward refuses past max_concurrent, rather than left waiting.
    if (!this.inFlight.admits(from.remoteAddress)) return from.transport === 'udp' ? null : this.refuse(query, limitOf(query, from.transport), from);
    const { acceptAnyClass, pending } = this.routing;
    if (query.class !== RRClass.IN && !acceptAnyClass) return this.refuse(query, limitOf(query, from.transport), from);
    const route = this.route(query);
    if (route === null || route.handler === null) return this.refuse(query, limitOf(query, from.transport), from);
    const request = new ServerRequest({ query, from, server: this.server, zone: route.zone });
    let result: Reply | Promise<Reply>;
    try {
      result = route.handler(request);
    } catch (error) {
      return this.fail(request, error);
    }
    if (isPromiseLike(result)) return this.settle(request, result, pending);
    return this.finish(request, result);
  }

  /** The zone of the longest match, except DS which goes to the shortest non-root one (as CoreDNS). */
  route(query: Query): Route | null {
    const name = query.name;
    let parentSide: Route | null = null;
    for (const route of this.routes) {
      if (!isSubdomain(name, route.zone)) continue;
      if (query.type !== TYPE_DS || route.zone === '') return parentSide ?? route;
      parentSide = route;
    }
    return parentSide;
  }

  /** Waits for a chain that returned a promise; the configuration owes the answer until then. */
  private async settle(request: ServerRequest, answer: PromiseLike<Reply>, pending: PendingAnswers): Promise<DnsResponse | null> {
    pending.owe();
    this.inFlight.owe(request.remoteAddress);
    let reply: Reply;
    try {
      reply = await answer;
    } catch (error) {
      return this.fail(request, error);
    } finally {
      pending.settled();
      this.inFlight.settled(request.remoteAddress);
    }
    return this.finish(request, reply);
  }

  /** Encodes the chain's reply within the UDP size of the request as the chain left it (bufsize may lower it). */
  private finish(request: ServerRequest, reply: Reply): DnsResponse | null {
    if (reply.silent === true) return null;
    const limit = limitOf(request.query, request.transport);
    let response: Buffer;
    let following: Buffer[] | null = null;
    try {
      response = encodeResponse(request.query, reply, limit);
      if (reply.followedBy !== undefined) following = reply.followedBy.map((next) => encodeResponse(request.query, next, limit));
    } catch (error) {
      return this.fail(request, error);
    }
    if (request.observers !== null) this.notify(request, reply, response);
    return following === null ? response : [response, ...following];
  }

  /**
   * A handler threw or rejected, or its reply would not encode. A PluginError is answered with its
   * RCODE and not logged: CoreDNS's server leaves a plugin's (rcode, error) to `errors`, and these
   * come per query (running off the chain, forward over max_concurrent). Anything else is a fault:
   * SERVFAIL and one log line.
   */
  private fail(request: ServerRequest, error: unknown): Buffer {
    const { query } = request;
    const limit = limitOf(query, request.transport);
    if (!(error instanceof PluginError)) {
      this.logger.error(
        { server: this.server, qname: toFqdn(query.name), qtype: typeName(query.type), err: error },
        'query failed, answered SERVFAIL',
      );
    }
    const reply = emptyReply(failureRcode(error));
    const response = encodeResponse(query, reply, limit);
    if (request.observers !== null) this.notify(request, reply, response);
    return response;
  }

  private refuse(query: Query, limit: number, from: Endpoints): Buffer {
    const response = encodeResponse(query, emptyReply(RCode.REFUSED), limit);
    this.onRefused?.(query, from, response);
    return response;
  }

  private notify(request: ServerRequest, reply: Reply, response: Buffer): void {
    for (const observer of request.observers!) {
      try {
        observer.responded(request, reply, response);
      } catch (error) {
        this.logger.error({ plugin: observer.plugin, err: error }, 'response observer failed');
      }
    }
  }
}

function limitOf(query: Query, transport: Endpoints['transport']): number {
  return transport === 'udp' ? udpLimit(query) : MAX_MESSAGE_SIZE;
}

function longestZoneFirst(routes: readonly Route[]): readonly Route[] {
  return [...routes].sort((a, b) => b.zone.length - a.zone.length);
}

