import type { Corefile } from '../corefile/types.ts';
import type { DomainName } from '../dns/types.ts';
import type { PluginInstance, Readiness } from '../plugin/types.ts';

/*
 * What the operations plugins (prometheus, health, ready, reload) need from the server beyond
 * PluginInstance and SetupContext. They are optional members of the instance a setup returns;
 * they belong in src/plugin/types.ts and live here until that shared file takes them.
 */

/** One key zone of a block on one of its addresses: what CoreDNS labels plugin_enabled with. */
export interface BlockSite {
  /** `dns://:53`, `dns://127.0.0.1:1053`: the configured port (0 stays 0). */
  readonly server: string;
  readonly zone: DomainName;
}

export interface BlockInfo {
  readonly sites: readonly BlockSite[];
  /** Where the block listens: `bind`'s addresses, or [''] for every interface (CoreDNS's ListenHosts). */
  readonly listenHosts: readonly string[];
  /** The block's plugins that answer queries (those with a handler), in execution order. */
  readonly handlers: readonly string[];
  /** What the block's plugins registered through addReadiness. */
  readonly readiness: readonly Readiness[];
}

export interface ServerControl {
  /** The Corefile of the configuration the plugin belongs to. */
  readonly corefile: Corefile;
  /**
   * Applies another Corefile without dropping queries (see RunningServer.reload); rejects and
   * keeps the running configuration on any error.
   */
  reload(corefile: Corefile): Promise<void>;
}

export interface OperationsInstance extends PluginInstance {
  /** The chain records which plugin answered each query of the block (see answeringPlugin). */
  readonly tracksAnswers?: boolean;
  /** Called once every plugin of the block is set up, before any start(). */
  attach?(block: BlockInfo, server: ServerControl): void;
  /**
   * Runs when the server is asked to stop, before its listeners close, together with the other
   * blocks' (health's lameduck: DNS is still answered while it waits). Not run by a reload.
   */
  beforeStop?(): Promise<void>;
}

/** For plugins set up outside a running server (unit tests): reloading is not possible there. */
export class NoServerError extends Error {
  constructor() {
    super('no running server to reload');
    this.name = 'NoServerError';
  }
}
