import type { ClusterView } from '../cluster/types.ts';
import type { DomainName, Reply, ResourceRecord } from '../dns/types.ts';
import type { Request, SetupContext } from './types.ts';

/**
 * A value one plugin of a server block offers the others through SetupContext.shared, as CoreDNS
 * plugins find each other through the server's config. The plugin that offers and the one that
 * takes share the interface declared here, never each other's files. Plugins are set up in
 * PLUGIN_ORDER: a value offered by a later plugin is there once handlers are composed.
 */
export class Offer<T> {
  readonly #key: string;

  constructor(key: string) {
    this.#key = key;
  }

  give(context: Pick<SetupContext, 'shared'>, value: T): void {
    context.shared.set(this.#key, value);
  }

  find(context: Pick<SetupContext, 'shared'>): T | undefined {
    return context.shared.get(this.#key) as T | undefined;
  }
}

/** The block's cluster, offered by `kubernetes`; `kubeproxy` proxies its services. */
export const clusterViewOffer = new Offer<ClusterView>('cluster');

export type SearchPath = readonly DomainName[] | null;

/** CoreDNS's autopath.AutoPather: what `autopath @PLUGIN` asks for a client's search path. */
export interface AutoPather {
  /**
   * The search path of the request's client, ending with '' (the bare name), or null to leave the
   * query alone; a promise of either where it must be asked of another thread.
   */
  autoPath(request: Request): SearchPath | Promise<SearchPath>;
}

/** Offered by `kubernetes`, the one plugin that implements AutoPather, for `autopath @kubernetes`. */
export const autoPatherOffer = new Offer<AutoPather>('autopather');

/**
 * What the cluster's answers were computed from, and when it changes. Keys are opaque: one names a
 * service (its Service, EndpointSlices and ServiceImport), others any service, the pods, or the
 * zone's SOA serial. `cache` notes the keys of each answer it stores and drops the answer when a
 * change touches one of them.
 */
export interface ClusterChanges {
  /**
   * Runs `ask` (the rest of a chain) and adds to `into` the keys of every cluster answer given
   * within it, through other plugins (autopath's search-path walk, rewrite) and other threads.
   */
  recording(into: Set<string>, ask: () => Reply | Promise<Reply>): Reply | Promise<Reply>;
  /**
   * Calls `listener` on this thread after each change of the cluster with the keys it touched,
   * before any answer computed after the change; null when any answer may have changed.
   */
  subscribe(listener: (keys: readonly string[] | null) => void): () => void;
}

/** Offered by `kubernetes` on every thread, for `cache`. */
export const clusterChangesOffer = new Offer<ClusterChanges>('cluster-changes');

/**
 * The block's metrics exporter (`prometheus`), as CoreDNS's metrics.MustRegister finds it: a plugin
 * whose series belong only to blocks that export metrics registers its collector here.
 */
export interface MetricsExporter {
  /** Runs `collect` before every scrape until the returned function is called. */
  addCollector(collect: () => void): () => void;
}

export const metricsExporterOffer = new Offer<MetricsExporter>('metrics');

/** CoreDNS's transfer.Transferer: what `transfer` sends for AXFR and IXFR of a zone a plugin serves. */
export interface Transferer {
  readonly zones: readonly DomainName[];
  /**
   * The records of `zone` (one of `zones`) in transfer order, the SOA first and last; for IXFR, a
   * `serial` equal to the zone's gets the SOA alone. A promise where another thread holds the zone.
   */
  transfer(zone: DomainName, serial: number | null): readonly ResourceRecord[] | Promise<readonly ResourceRecord[]>;
}

/** Offered by `kubernetes` for `transfer`. */
export const transfererOffer = new Offer<Transferer>('transferer');

/** A name k8s_external answers: an address (A/AAAA), or a name (CNAME, a load balancer's hostname). */
export interface ExternalEntry {
  readonly host: string;
  readonly port: number;
  /** The name the entry stands under, for SRV targets and their addresses. */
  readonly target: DomainName;
}

/** CoreDNS's k8s_external Externaler, as `kubernetes` implements it. */
export interface Externaler {
  /**
   * What `qname` in the external `zone` stands for (`service.namespace`, `endpoint.service.namespace`,
   * `_port._proto.service.namespace`; for PTR, a service's external address) and the RCODE when
   * nothing does. `headless` answers headless services without external addresses from their endpoints.
   */
  external(qname: DomainName, zone: DomainName, qtype: number, headless: boolean): ExternalAnswer | Promise<ExternalAnswer>;
  /** The addresses this server answers as the zone's nameserver (its service's external addresses, else its own). */
  nameserverAddresses(headless: boolean): readonly string[] | Promise<readonly string[]>;
  /** The zone's SOA serial: when the cluster last changed. */
  serial(): number | Promise<number>;
}

export interface ExternalAnswer {
  readonly entries: readonly ExternalEntry[];
  readonly rcode: number;
}

/** Offered by `kubernetes` for `k8s_external`. */
export const externalerOffer = new Offer<Externaler>('externaler');

/** Where the block's `prometheus` serves /metrics (`HOST:PORT` as written), for `top`'s /top beside it. */
export const metricsAddressOffer = new Offer<string>('metrics-address');

/**
 * Given by `top`, set up before `kubernetes`: the block names clients by their pods, so
 * `kubernetes` watches pods from the API whatever its `pods` mode (CoreDNS's informers take them
 * only for `pods verified`, and answers still read them only then).
 */
export const podAddressesWantedOffer = new Offer<true>('pod-addresses-wanted');

/** What the block's cluster knows of a client address. */
export interface PodLookup {
  /**
   * The namespace of the pods with address `ip`; null when none has it, when pods of several
   * namespaces share it (host network), or (on a worker thread) until the main thread has said.
   */
  namespaceOf(ip: string): string | null;
}

/** Offered by `kubernetes` (empty unless it knows pods: `pods verified`, or `manifests`), for `rrl`'s `per-namespace`. */
export const podLookupOffer = new Offer<PodLookup>('pod-lookup');
