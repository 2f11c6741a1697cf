import type { Transport } from '../../plugin/types.ts';
import { TcpConnection, UdpConnection, type UpstreamConnection } from './connection.ts';
import { TransportStoppedError } from './errors.ts';
import type { UpstreamMetrics } from './metrics.ts';
import type { UpstreamAddress } from './upstreams.ts';

/** CoreDNS's bounds for the TCP connect timeout, which follows the average connect time. */
const MIN_DIAL_MS = 1_000;
const MAX_DIAL_MS = 30_000;
/** How much one connect moves the average (CoreDNS's cumulativeAvgWeight). */
const AVERAGE_WEIGHT = 4;

export interface PoolOptions {
  readonly expireMs: number;
  /** 0: no limit on a connection's age. */
  readonly maxAgeMs: number;
  /** 0: no limit on idle connections per transport. */
  readonly maxIdleConns: number;
}

export interface Acquired {
  readonly connection: UpstreamConnection;
  /** Taken from the pool rather than opened for this try. */
  readonly cached: boolean;
}

/**
 * The idle connections to one upstream, per transport, as CoreDNS's proxy.Transport: the oldest
 * idle one is reused first (spreading source ports), connections idle longer than `expire` or
 * older than `max_age` are closed, and one in use belongs to one exchange.
 */
export class ConnectionPool {
  private readonly upstream: UpstreamAddress;
  private readonly options: PoolOptions;
  private readonly metrics: UpstreamMetrics;
  private readonly idle: Record<Transport, UpstreamConnection[]> = { udp: [], tcp: [] };
  /** Starts halfway, so the first connects may take long, as in CoreDNS. */
  private averageDialMs = MAX_DIAL_MS / 2;
  private sweeper: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(upstream: UpstreamAddress, options: PoolOptions, metrics: UpstreamMetrics) {
    this.upstream = upstream;
    this.options = options;
    this.metrics = metrics;
  }

  /** The connect timeout: twice the average connect time, within 1 s and 30 s. */
  private dialTimeoutMs(): number {
    const average = this.averageDialMs;
    if (average < MIN_DIAL_MS) return MIN_DIAL_MS;
    return average < MAX_DIAL_MS / 2 ? 2 * average : MAX_DIAL_MS;
  }

  /** An idle connection, or a new one whose TCP connect waits at most `capMs` besides its own timeout. */
  async acquire(transport: Transport, capMs: number): Promise<Acquired> {
    if (this.stopped) throw new TransportStoppedError(this.upstream.label);
    const list = this.idle[transport];
    const now = Date.now();
    while (list.length > 0) {
      const connection = list.shift()!;
      if (connection.closed || this.stale(connection, now)) {
        connection.close();
        continue;
      }
      this.metrics.connCache(transport, true);
      return { connection, cached: true };
    }
    this.metrics.connCache(transport, false);
    const started = Date.now();
    try {
      const connection =
        transport === 'udp'
          ? await UdpConnection.open(this.upstream)
          : await TcpConnection.open(this.upstream, Math.min(this.dialTimeoutMs(), capMs));
      return { connection, cached: false };
    } finally {
      this.averageDialMs += (Date.now() - started - this.averageDialMs) / AVERAGE_WEIGHT;
    }
  }

  /** Gives a connection back after a good exchange. */
  release(connection: UpstreamConnection): void {
    const list = this.idle[connection.transport];
    const { maxIdleConns } = this.options;
    if (this.stopped || connection.closed || (maxIdleConns > 0 && list.length >= maxIdleConns)) {
      connection.close();
      return;
    }
    connection.lastUsed = Date.now();
    list.push(connection);
    if (this.sweeper === null) {
      this.sweeper = setInterval(() => this.sweep(), this.options.expireMs);
      this.sweeper.unref();
    }
  }

  /** Closes everything, now and whatever is given back later. */
  stop(): void {
    this.stopped = true;
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const list of Object.values(this.idle)) for (const connection of list.splice(0)) connection.close();
  }

  private stale(connection: UpstreamConnection, now: number): boolean {
    const { expireMs, maxAgeMs } = this.options;
    return now - connection.lastUsed > expireMs || (maxAgeMs > 0 && now - connection.created > maxAgeMs);
  }

  private sweep(): void {
    const now = Date.now();
    let left = 0;
    for (const transport of ['udp', 'tcp'] as const) {
      const kept = this.idle[transport].filter((connection) => {
        const keep = !connection.closed && !this.stale(connection, now);
        if (!keep) connection.close();
        return keep;
      });
      this.idle[transport] = kept;
      left += kept.length;
    }
    if (left === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }
}
