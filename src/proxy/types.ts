import type { ClusterView, IPFamily, Protocol } from '../cluster/types.ts';
import type { Logger } from '../log.ts';

export const SCHEDULERS = ['rr', 'random', 'lc', 'sh'] as const;
/** IPVS's names: round robin, random, least connections, source hashing. */
export type SchedulerName = (typeof SCHEDULERS)[number];

export const DEFAULT_SCHEDULER: SchedulerName = 'rr';
/** kube-proxy's userspace mode default (--udp-timeout): short, as its flows were mostly DNS. */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 250;
export const DEFAULT_CONNECT_TIMEOUT_MS = 1000;

export interface ServiceProxyOptions {
  readonly view: ClusterView;
  readonly logger: Logger;
  /** Where NodePort and LoadBalancer services listen on their node ports; none when absent. */
  readonly nodeAddress?: string;
  readonly scheduler?: SchedulerName;
  /** A UDP flow (one client address and port) with no datagram either way for this long is closed. */
  readonly udpIdleTimeoutMs?: number;
  /** A backend that has not accepted a TCP connection within this is given up for the next one. */
  readonly connectTimeoutMs?: number;
}

/** Per-service counters, monotonic while the service exists. */
export interface ProxyCounters {
  /** TCP connections accepted and UDP flows opened. */
  connections: number;
  /** Bytes from clients to backends. */
  bytesIn: number;
  /** Bytes from backends to clients. */
  bytesOut: number;
  /** Failed backend connects, connections reset and datagrams dropped for want of a backend. */
  errors: number;
}

/** One address:port the proxy listens on for a service port. */
export interface FrontendSpec {
  /** `TCP 127.10.0.1 80`: unique per listening socket. */
  readonly key: string;
  readonly protocol: Exclude<Protocol, 'SCTP'>;
  readonly address: string;
  readonly port: number;
  readonly family: IPFamily;
  /** Whether the address is the service's own (a cluster IP) rather than a node or external address. */
  readonly kind: 'clusterIP' | 'nodePort' | 'externalIP';
}
