import { RRType } from '../../dns/constants.ts';
import { encodeQuery } from '../../dns/query.ts';
import type { Transport } from '../../toolkit/types.ts';
import { StreamConnection, UdpConnection, type UpstreamConnection } from './connection.ts';
import type { TlsDialer } from './tls-dial.ts';
import type { UpstreamAddress } from './upstreams.ts';

export interface HealthCheck {
  /** UDP, or TCP with force_tcp. */
  readonly transport: Transport;
  /** A tls:// upstream's: the check goes over TLS whatever the transport, as CoreDNS's tcp-tls checks. */
  readonly tls: TlsDialer | null;
  /** The name asked `IN NS`. */
  readonly domain: string;
  readonly recursionDesired: boolean;
  readonly timeoutMs: number;
}

/**
 * One health check, as CoreDNS's dnsHc.Check: `<domain> IN NS` on a fresh connection; any
 * response with the query's ID, whatever its RCODE, means the upstream is up. Rejects otherwise.
 */
export async function checkUpstream(upstream: UpstreamAddress, check: HealthCheck): Promise<void> {
  const query = encodeQuery(check.domain, RRType.NS, { recursionDesired: check.recursionDesired });
  const id = query.readUInt16BE(0);
  let connection: UpstreamConnection | null = null;
  try {
    if (check.transport === 'udp' && check.tls === null) {
      connection = await UdpConnection.open(upstream);
      await connection.exchange(query, id, check.timeoutMs);
    } else {
      connection =
        check.tls === null
          ? await StreamConnection.open(upstream, check.timeoutMs)
          : await StreamConnection.openTls(upstream, check.tls, check.timeoutMs);
      const framed = Buffer.allocUnsafe(query.length + 2);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      await connection.exchange(framed, id, check.timeoutMs);
    }
  } finally {
    connection?.close();
  }
}

/**
 * Runs a check again and again, `intervalMs` apart, until it passes, as CoreDNS's up.Probe: at
 * most one loop at a time, started by the first failure of a query and ended by a passing check
 * (or stop()).
 */
export class HealthProbe {
  private readonly check: () => Promise<boolean>;
  private readonly intervalMs: number;
  private state: 'idle' | 'active' | 'stopped' = 'idle';
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;

  constructor(check: () => Promise<boolean>, intervalMs: number) {
    this.check = check;
    this.intervalMs = intervalMs;
  }

  get active(): boolean {
    return this.state === 'active';
  }

  run(): void {
    if (this.state !== 'idle') return;
    this.state = 'active';
    void this.loop();
  }

  stop(): void {
    this.state = 'stopped';
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    // Only stop() ends a loop whose checks keep failing, as in CoreDNS.
    for (;;) {
      const healthy = await this.check();
      if (this.stopped()) return;
      if (healthy) {
        this.state = 'idle';
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.intervalMs);
        this.timer.unref();
      });
      this.wake = null;
      this.timer = null;
      if (this.stopped()) return;
    }
  }

  /** A method, so that the compiler does not narrow the state across the awaits. */
  private stopped(): boolean {
    return this.state === 'stopped';
  }
}
