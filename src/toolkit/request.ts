import type { DomainName, Query, Reply } from '../dns/types.ts';
import type { Endpoints, Request, Transport } from './types.ts';

/**
 * Told about the response once it is encoded: the reply the chain produced (or the SERVFAIL that
 * replaced a failure) and the bytes sent, which already reflect truncation.
 */
export interface ResponseObserver {
  /** The plugin that asked, so a plugin used twice in a block can tell it already observes. */
  readonly plugin: string;
  responded(request: Request, reply: Reply, response: Buffer): void;
}

/** What the server knows of a query when it hands it to a chain. */
export interface ServerRequestFields {
  readonly query: Query;
  /** Where the query came in; copied, so the listener's value is not held past the constructor. */
  readonly from: Endpoints;
  /** The listener as logs and metrics name it: `dns://:53`. */
  readonly server: string;
  /** The server block zone the query was routed to. */
  readonly zone: DomainName;
}

/** The Request the server builds per query; observers are only allocated when a plugin asks. */
export class ServerRequest implements Request {
  /** Replaced only by clampUdpSize, as CoreDNS's bufsize edits the request in place. */
  query: Query;
  readonly transport: Transport;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly server: string;
  readonly zone: DomainName;
  observers: ResponseObserver[] | null = null;
  /** The plugin whose handler returned the reply, when the block tracks it (for prometheus). */
  answeredBy: string | null = null;

  constructor({ query, from, server, zone }: ServerRequestFields) {
    this.query = query;
    this.transport = from.transport;
    this.remoteAddress = from.remoteAddress;
    this.remotePort = from.remotePort;
    this.localAddress = from.localAddress;
    this.localPort = from.localPort;
    this.server = server;
    this.zone = zone;
  }
}

/**
 * Asks to be told about this request's response (its size, its final flags, when it left).
 * Requests that did not come through the server (a plugin's unit test) have nobody to tell:
 * the call returns false and nothing happens.
 */
export function observeResponse(request: Request, observer: ResponseObserver): boolean {
  if (!(request instanceof ServerRequest)) return false;
  if (request.observers === null) request.observers = [observer];
  else request.observers.push(observer);
  return true;
}

export function hasObserver(request: Request, plugin: string): boolean {
  if (!(request instanceof ServerRequest) || request.observers === null) return false;
  for (const observer of request.observers) if (observer.plugin === plugin) return true;
  return false;
}

/** Records the first plugin to return a reply: the deepest in the chain, the one that wrote it. */
export function markAnswered(request: Request, plugin: string): void {
  if (request instanceof ServerRequest && request.answeredBy === null) request.answeredBy = plugin;
}

/** The plugin that answered, as CoreDNS's `plugin` label: '' when none did (a failure) or nobody tracked it. */
export function answeringPlugin(request: Request): string {
  return request instanceof ServerRequest ? (request.answeredBy ?? '') : '';
}

/**
 * Lowers the EDNS UDP size the request advertises to `size` when it is larger, for the rest of the
 * chain (what forward asks upstream with) and for the response's truncation, as CoreDNS's bufsize
 * edits the request in place. Returns the request to pass on: the same one when the server made it.
 */
export function clampUdpSize(request: Request, size: number): Request {
  const { query } = request;
  if (query.edns === null || query.edns.udpSize <= size) return request;
  const clamped: Query = { ...query, edns: { ...query.edns, udpSize: size } };
  if (!(request instanceof ServerRequest)) return withQuery(request, clamped);
  request.query = clamped;
  return request;
}

/**
 * The request as the rest of the chain should see it: same client and listener, another query.
 * It is a plain object, so `observeResponse` from a later plugin does not reach the server.
 */
export function withQuery(request: Request, query: Query): Request {
  return {
    query,
    transport: request.transport,
    remoteAddress: request.remoteAddress,
    remotePort: request.remotePort,
    localAddress: request.localAddress,
    localPort: request.localPort,
    server: request.server,
    zone: request.zone,
  };
}
