import { rcodeMnemonic } from '../../dns/constants.ts';
import { DnsParseError } from '../../dns/errors.ts';
import type { Query } from '../../dns/types.ts';
import type { Transport } from '../../toolkit/types.ts';
import { RRType } from '../../dns/constants.ts';
import { encodeQuery } from '../../dns/query.ts';
import { DohClient } from './doh.ts';
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
  /** An https:// upstream's HTTP/2 client; its queries bypass the pool. */
  private readonly doh: DohClient | null;

  /** `tls`: how a tls:// or https:// upstream's connections are made (null for a plain one). */
  constructor(address: UpstreamAddress, options: ForwardOptions, health: HealthDuty = { kind: 'local' }, tls: TlsDialer | null = null) {
    this.health = health;
    this.address = address;
    this.doh = address.scheme === 'https' && tls !== null ? new DohClient(address, tls, options.dohMethod, options.expireMs) : null;
    // Go's HTTP client keeps its own connections: CoreDNS counts no connection cache for DoH.
    this.metrics = new UpstreamMetrics(address.label, this.doh !== null ? [] : tls === null ? ['udp', 'tcp'] : ['tcp-tls']);
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
    const doh = this.doh;
    // CoreDNS's dohHc: `<domain> IN NS` posted to the upstream; any DNS response means it is up.
    const checkOnce =
      doh === null
        ? () => checkUpstream(address, check)
        : () => doh.exchange(encodeQuery(check.domain, RRType.NS, { id: 0, recursionDesired: check.recursionDesired }), check.timeoutMs);
    this.probe = new HealthProbe(async () => {
      try {
        await checkOnce();
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
    if (this.doh !== null) return this.connectDoh(this.doh, query);
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

  /** One try at an https:// upstream: the query with ID 0 in a request of the kept HTTP/2 connection. */
  private async connectDoh(doh: DohClient, query: Query): Promise<UpstreamAnswer> {
    const started = performance.now();
    const wire = await doh.exchange(outgoing(query, 0, 'udp'), this.readTimeoutMs);
    let answer: UpstreamAnswer;
    try {
      answer = readUpstreamReply(wire, query);
    } catch (error) {
      if (!(error instanceof DnsParseError)) throw error;
      throw new UpstreamError(`dns: ${error.message}`, this.address.label, 'tcp', 'read', error);
    }
    const rcode = answer.kind === 'reply' ? answer.reply.rcode : answer.rcode;
    this.metrics.requestDuration(rcodeMnemonic(rcode) ?? String(rcode), (performance.now() - started) / 1000);
    return answer;
  }

  stop(): void {
    this.probe.stop();
    this.pool.stop();
    this.doh?.close();
  }
}
