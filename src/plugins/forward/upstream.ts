import { rcodeMnemonic } from '../../dns/constants.ts';
import { DnsParseError } from '../../dns/errors.ts';
import type { Query } from '../../dns/types.ts';
import type { Transport } from '../../toolkit/types.ts';
import { CachedConnectionClosedError, UpstreamError, UpstreamTimeoutError } from './errors.ts';
import { checkUpstream, HealthProbe } from './health.ts';
import { UpstreamMetrics } from './metrics.ts';
import { DEFAULTS, type ForwardOptions } from './options.ts';
import { ConnectionPool } from './pool.ts';
import { random16 } from './random.ts';
import { readUpstreamReply, type UpstreamAnswer } from './relay.ts';
import type { TlsDialer } from './tls-dial.ts';
import type { UpstreamAddress, WireProtocol } from './upstreams.ts';

/** The query as sent upstream: the client's bytes with a fresh ID, length-prefixed over TCP and TLS. */
function outgoing(query: Query, id: number, protocol: WireProtocol): Buffer {
  const raw = query.raw;
  const prefix = protocol === 'udp' ? 0 : 2;
  const message = Buffer.allocUnsafe(raw.length + prefix);
  if (prefix > 0) message.writeUInt16BE(raw.length, 0);
  raw.copy(message, prefix);
  message.writeUInt16BE(id, prefix);
  return message;
}

/**
 * Where an upstream's health is checked. With `-workers` the main thread probes every upstream
 * once for the process: a worker asks it to (`remote`) and learns the failed-check count from it;
 * the main thread tells every change (`onFails`).
 */
export type HealthDuty = { readonly kind: 'local'; readonly onFails?: (fails: number) => void } | { readonly kind: 'remote'; readonly probe: () => void };

/**
 * One upstream of a forward instance, as CoreDNS's proxy.Proxy: its connection pool, its count
 * of failed health checks (down when over max_fails), and its health probe.
 */
export class Upstream {
  readonly address: UpstreamAddress;
  /** Failed health checks in a row. */
  fails = 0;
  private readonly pool: ConnectionPool;
  private readonly probe: HealthProbe;
  private readonly metrics: UpstreamMetrics;
  private readonly readTimeoutMs: number;
  private readonly health: HealthDuty;

  /** `tls`: how a tls:// upstream's connections are made (null for a plain one). */
  constructor(address: UpstreamAddress, options: ForwardOptions, health: HealthDuty = { kind: 'local' }, tls: TlsDialer | null = null) {
    this.health = health;
    this.address = address;
    this.metrics = new UpstreamMetrics(address.label, tls === null ? ['udp', 'tcp'] : ['tcp-tls']);
    this.pool = new ConnectionPool(address, options, this.metrics, tls);
    this.readTimeoutMs = options.readTimeoutMs;
    const check = {
      // Health checks go over TCP only when every query does (and over TLS to a TLS upstream).
      transport: options.forceTcp ? ('tcp' as const) : ('udp' as const),
      tls,
      domain: options.healthCheck.domain,
      recursionDesired: options.healthCheck.recursionDesired,
      timeoutMs: DEFAULTS.healthCheckTimeoutMs,
    };
    this.probe = new HealthProbe(async () => {
      try {
        await checkUpstream(address, check);
        this.#setFails(0);
        return true;
      } catch {
        this.metrics.healthcheckFailures.inc();
        this.#setFails(this.fails + 1);
        return false;
      }
    }, options.healthCheck.intervalMs);
  }

  /** Down after more than `maxFails` failed health checks in a row; never when maxFails is 0. */
  down(maxFails: number): boolean {
    return maxFails !== 0 && this.fails > maxFails;
  }

  /** Starts health checking unless a probe is running already (on the main thread, for a worker's upstream). */
  healthcheck(): void {
    if (this.health.kind === 'remote') this.health.probe();
    else this.probe.run();
  }

  #setFails(fails: number): void {
    const changed = fails !== this.fails;
    this.fails = fails;
    if (changed && this.health.kind === 'local') this.health.onFails?.(fails);
  }

  get probing(): boolean {
    return this.probe.active;
  }

  /**
   * One try, as CoreDNS's Proxy.Connect: a pooled or new connection, the query with a fresh ID,
   * the reply read into a Reply. The connection goes back to the pool only after a good reply.
   * Throws UpstreamError (CachedConnectionClosedError when a pooled TCP or TLS connection had closed).
   */
  async connect(query: Query, transport: Transport, remainingMs: number): Promise<UpstreamAnswer> {
    const started = performance.now();
    const { connection, cached } = await this.pool.acquire(transport, remainingMs);
    const { protocol } = connection;
    const id = random16();
    let wire: Buffer;
    try {
      wire = await connection.exchange(outgoing(query, id, protocol), id, this.readTimeoutMs);
    } catch (error) {
      connection.close();
      if (cached && protocol !== 'udp' && connection.silent && !(error instanceof UpstreamTimeoutError)) {
        throw new CachedConnectionClosedError(this.address.label, protocol);
      }
      throw error;
    }
    let answer: UpstreamAnswer;
    try {
      answer = readUpstreamReply(wire, query);
    } catch (error) {
      connection.close();
      if (!(error instanceof DnsParseError)) throw error;
      throw new UpstreamError(`dns: ${error.message}`, this.address.label, protocol, 'read', error);
    }
    this.pool.release(connection);
    const rcode = answer.kind === 'reply' ? answer.reply.rcode : answer.rcode;
    this.metrics.requestDuration(rcodeMnemonic(rcode) ?? String(rcode), (performance.now() - started) / 1000);
    return answer;
  }

  stop(): void {
    this.probe.stop();
    this.pool.stop();
  }
}
