import type { Transport } from '../../toolkit/types.ts';
import { StreamConnection, UdpConnection, type UpstreamConnection } from './connection.ts';
import { TransportStoppedError } from './errors.ts';
import type { UpstreamMetrics } from './metrics.ts';
import type { TlsDialer } from './tls-dial.ts';
import type { UpstreamAddress, WireProtocol } from './upstreams.ts';

/** CoreDNS's bounds for the TCP (and TLS) connect timeout, which follows the average connect time. */
const MIN_DIAL_MS = 1_000;
const MAX_DIAL_MS = 30_000;
/** How much one connect moves the average (CoreDNS's cumulativeAvgWeight). */
const AVERAGE_WEIGHT = 4;
/** CoreDNS sweeps idle connections on a fixed 10 s tick, whatever `expire` is. */
const SWEEP_INTERVAL_MS = 10_000;

export interface PoolOptions {
  readonly expireMs: number;
  /** 0: no limit on a connection's age. */
  readonly maxAgeMs: number;
  /** 0: no limit on idle connections per protocol. */
  readonly maxIdleConns: number;
}

export interface Acquired {
  readonly connection: UpstreamConnection;
  /** Taken from the pool rather than opened for this try. */
  readonly cached: boolean;
}

/** Idle connections, oldest first: taking from the front costs O(1) however many are idle. */
class IdleQueue {
  private items: UpstreamConnection[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(connection: UpstreamConnection): void {
    this.items.push(connection);
  }

  shift(): UpstreamConnection | undefined {
    if (this.head === this.items.length) return undefined;
    const connection = this.items[this.head++];
    // Drop the taken slots once they are the larger part, so the array does not only grow.
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return connection;
  }

  /** Keeps the connections `keep` accepts, in order; returns how many are left. */
  retain(keep: (connection: UpstreamConnection) => boolean): number {
    this.items = this.items.slice(this.head).filter(keep);
    this.head = 0;
    return this.items.length;
  }
}

/**
 * The idle connections to one upstream, per protocol, as CoreDNS's proxy.Transport: the oldest
 * idle one is reused first (spreading source ports), connections idle longer than `expire` or
 * older than `max_age` are closed, and one in use belongs to one exchange.
 */
export class ConnectionPool {
  private readonly upstream: UpstreamAddress;
  private readonly options: PoolOptions;
  private readonly metrics: UpstreamMetrics;
  /** Opens the TLS connections of a tls:// upstream; null for a plain one. */
  private readonly tls: TlsDialer | null;
  private readonly idle: Record<WireProtocol, IdleQueue> = { udp: new IdleQueue(), tcp: new IdleQueue(), 'tcp-tls': new IdleQueue() };
  /** Starts halfway, so the first connects may take long, as in CoreDNS. */
  private averageDialMs = MAX_DIAL_MS / 2;
  private sweeper: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(upstream: UpstreamAddress, options: PoolOptions, metrics: UpstreamMetrics, tls: TlsDialer | null) {
    this.upstream = upstream;
    this.options = options;
    this.metrics = metrics;
    this.tls = tls;
  }

  /** The connect timeout: twice the average connect time, within 1 s and 30 s. */
  private dialTimeoutMs(): number {
    const average = this.averageDialMs;
    if (average < MIN_DIAL_MS) return MIN_DIAL_MS;
    return average < MAX_DIAL_MS / 2 ? 2 * average : MAX_DIAL_MS;
  }

  /**
   * An idle connection, or a new one whose TCP connect (and TLS handshake) waits at most `capMs`
   * besides its own timeout. A tls:// upstream is always spoken to over TLS, whatever the
   * transport asked for, as CoreDNS's Dial does.
   */
  async acquire(transport: Transport, capMs: number): Promise<Acquired> {
    if (this.stopped) throw new TransportStoppedError(this.upstream.label);
    const protocol: WireProtocol = this.tls === null ? transport : 'tcp-tls';
    const queue = this.idle[protocol];
    const now = Date.now();
    for (let connection = queue.shift(); connection !== undefined; connection = queue.shift()) {
      if (connection.closed || this.stale(connection, now)) {
        connection.close();
        continue;
      }
      this.metrics.connCache(protocol, true);
      return { connection, cached: true };
    }
    this.metrics.connCache(protocol, false);
    const started = Date.now();
    try {
      return { connection: await this.open(transport, Math.min(this.dialTimeoutMs(), capMs)), cached: false };
    } finally {
      this.averageDialMs += (Date.now() - started - this.averageDialMs) / AVERAGE_WEIGHT;
    }
  }

  private open(transport: Transport, timeoutMs: number): Promise<UpstreamConnection> {
    if (this.tls !== null) return StreamConnection.openTls(this.upstream, this.tls, timeoutMs);
    return transport === 'udp' ? UdpConnection.open(this.upstream) : StreamConnection.open(this.upstream, timeoutMs);
  }

  /** Gives a connection back after a good exchange. */
  release(connection: UpstreamConnection): void {
    const queue = this.idle[connection.protocol];
    const { maxIdleConns } = this.options;
    if (this.stopped || connection.closed || (maxIdleConns > 0 && queue.size >= maxIdleConns)) {
      connection.close();
      return;
    }
    connection.lastUsed = Date.now();
    queue.push(connection);
    if (this.sweeper === null) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
      this.sweeper.unref();
    }
  }

  /** Closes everything, now and whatever is given back later. */
  stop(): void {
    this.stopped = true;
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const queue of Object.values(this.idle)) {
      queue.retain((connection) => {
        connection.close();
        return false;
      });
    }
  }

  private stale(connection: UpstreamConnection, now: number): boolean {
    const { expireMs, maxAgeMs } = this.options;
    return now - connection.lastUsed > expireMs || (maxAgeMs > 0 && now - connection.created > maxAgeMs);
  }

  private sweep(): void {
    const now = Date.now();
    let left = 0;
    for (const queue of Object.values(this.idle)) {
      left += queue.retain((connection) => {
        const keep = !connection.closed && !this.stale(connection, now);
        if (!keep) connection.close();
        return keep;
      });
    }
    if (left === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }
}
