import { RCode } from '../../dns/constants.ts';
import { PluginError } from '../../toolkit/errors.ts';
import type { Transport } from '../../toolkit/types.ts';

/** What a socket error says, in Go's words, since CoreDNS's errors plugin logs those. */
export function describeSocketError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset by peer';
    case 'EPIPE':
      return 'broken pipe';
    case 'ETIMEDOUT':
      return 'i/o timeout';
    case 'EHOSTUNREACH':
      return 'no route to host';
    case 'ENETUNREACH':
      return 'network is unreachable';
    case 'EADDRNOTAVAIL':
      return 'cannot assign requested address';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

export type UpstreamOperation = 'dial' | 'read' | 'write';

/**
 * A try at one upstream that failed: the message reads as Go's net errors do in CoreDNS logs
 * (`read udp 127.0.0.1:40001->127.0.0.1:53: i/o timeout`), the fields say where and what.
 */
export class UpstreamError extends Error {
  readonly upstream: string;
  readonly transport: Transport;
  readonly operation: UpstreamOperation;
  constructor(message: string, upstream: string, transport: Transport, operation: UpstreamOperation, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'UpstreamError';
    this.upstream = upstream;
    this.transport = transport;
    this.operation = operation;
  }
}

/** No reply (or no connection) within the time allowed. */
export class UpstreamTimeoutError extends UpstreamError {
  constructor(message: string, upstream: string, transport: Transport, operation: UpstreamOperation) {
    super(message, upstream, transport, operation);
    this.name = 'UpstreamTimeoutError';
  }
}

/** The upstream closed a pooled TCP connection before answering: the try is made again on a new one. */
export class CachedConnectionClosedError extends UpstreamError {
  constructor(upstream: string, transport: Transport) {
    super('cached connection was closed by peer', upstream, transport, 'read');
    this.name = 'CachedConnectionClosedError';
  }
}

/** Every upstream is down and failfast_all_unhealthy_upstreams is set, or the deadline passed without a try. */
export class NoHealthyUpstreamError extends Error {
  readonly from: string;
  constructor(from: string) {
    super('no healthy proxies');
    this.name = 'NoHealthyUpstreamError';
    this.from = from;
  }
}

/** The pool was stopped (shutdown or reload) while a query still wanted it. */
export class TransportStoppedError extends Error {
  readonly upstream: string;
  constructor(upstream: string) {
    super('proxy: transport stopped');
    this.name = 'TransportStoppedError';
    this.upstream = upstream;
  }
}

/**
 * More queries than max_concurrent are being forwarded: CoreDNS answers REFUSED and `errors` logs
 * this message. One per directive, as CoreDNS's, so an overload allocates none.
 */
export class MaxConcurrentError extends PluginError {
  readonly limit: number;
  constructor(limit: number) {
    super('forward', RCode.REFUSED, `concurrent queries exceeded maximum ${limit}`);
    this.name = 'MaxConcurrentError';
    this.limit = limit;
  }
}
