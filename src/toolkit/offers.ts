import type { ClusterView } from '../cluster/types.ts';
import type { DomainName, ResourceRecord } from '../dns/types.ts';
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
