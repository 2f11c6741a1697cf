import type { DomainName } from '../../dns/types.ts';
import type { TlsMaterial } from '../../toolkit/tls.ts';
import type { WrittenTo } from './resolve.ts';
import type { UpstreamAddress } from './upstreams.ts';

export type PolicyName = 'random' | 'round_robin' | 'sequential';

export interface HealthCheckOptions {
  readonly intervalMs: number;
  readonly recursionDesired: boolean;
  /** The name asked `IN NS` for ('' is the root). */
  readonly domain: DomainName;
}

/** A `forward` directive, every default applied (CoreDNS's forward.New and proxy.NewProxy). */
export interface ForwardOptions {
  readonly from: DomainName;
  /** The TO arguments in order; those naming hosts are resolved by setup. */
  readonly to: readonly WrittenTo[];
  /**
   * The upstreams, duplicates dropped: every one when no TO names a host, else those of the
   * addresses and files only, until setup resolves the names (resolveUpstreams).
   */
  readonly upstreams: readonly UpstreamAddress[];
  /** Where host names are looked up; none for the system's resolver. */
  readonly resolver: readonly UpstreamAddress[];
  /** The `tls` line's certificate, key and CA for tls:// upstreams (none given: the system's roots). */
  readonly tls: TlsMaterial;
  /** `doh_method`: how queries go to https:// upstreams (POST by default, as CoreDNS). */
  readonly dohMethod: 'GET' | 'POST';
  /** `tls_servername`: the name every tls:// and https:// upstream's certificate is checked against. */
  readonly tlsServerName: string | null;
  readonly except: readonly DomainName[];
  readonly forceTcp: boolean;
  readonly preferUdp: boolean;
  /** Idle pooled connections are closed after this long. */
  readonly expireMs: number;
  /** Pooled connections are closed this long after they were opened; 0 never. */
  readonly maxAgeMs: number;
  /** Idle connections kept per upstream and transport; 0 unlimited. */
  readonly maxIdleConns: number;
  /** How long one try waits for its reply. */
  readonly readTimeoutMs: number;
  /** Failed health checks in a row after which an upstream is down; 0 never checks. */
  readonly maxFails: number;
  /** Tries that may fail per query; null for CoreDNS's default of two per upstream; 0 unlimited. */
  readonly maxConnectAttempts: number | null;
  readonly healthCheck: HealthCheckOptions;
  readonly policy: PolicyName;
  /** 0 for no limit. */
  readonly maxConcurrent: number;
  /** RCODEs that hand the query to the next `forward` of the block. */
  readonly next: readonly number[];
  readonly nextOnNodata: boolean;
  /** RCODEs after which the next upstream is tried. */
  readonly failover: readonly number[];
  readonly failfastAllUnhealthyUpstreams: boolean;
}

export const DEFAULTS = {
  expireMs: 10_000,
  readTimeoutMs: 2_000,
  maxFails: 2,
  healthCheckIntervalMs: 500,
  /** CoreDNS caps the TO list. */
  maxUpstreams: 15,
  /** Tries per upstream when max_connect_attempts is not set. */
  connectAttemptsPerUpstream: 2,
  /** One query's whole budget across tries. */
  deadlineMs: 5_000,
  /** A health check's read timeout. */
  healthCheckTimeoutMs: 1_000,
} as const;
