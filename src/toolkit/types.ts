import type { Logger } from 'pino';
import type { Corefile, Directive } from '../corefile/types.ts';
import type { DomainName, Query, Reply } from '../dns/types.ts';
import type { ThreadLink } from './threads.ts';
import type { TlsMaterial } from './tls.ts';

export type Transport = 'udp' | 'tcp';

/** Where a query came in: the transport, the client's address and the listener's own. */
export interface Endpoints {
  readonly transport: Transport;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

/** One query on its way through a server block's plugin chain. */
export interface Request extends Endpoints {
  readonly query: Query;
  /** The listener as CoreDNS names it in logs and metrics: `dns://:53`. */
  readonly server: string;
  /** The server block zone the query was routed to (longest match). */
  readonly zone: DomainName;
}

/**
 * Answers a request, or hands it to the next handler. Synchronous answers are the norm on the
 * hot path; a handler that must wait (forward, a cache refresh) returns a promise. A handler that
 * throws or rejects makes the server answer SERVFAIL and log, never crash.
 */
export type Handler = (request: Request) => Reply | Promise<Reply>;

/** What the end of a chain does when no plugin answered: SERVFAIL, as CoreDNS's "no next plugin found". */
export type HandlerFactory = (next: Handler) => Handler;

/** Something a plugin reports to `ready`: the kubernetes plugin is not ready until its first sync. */
export interface Readiness {
  readonly name: string;
  ready(): boolean;
}

/** What a plugin's setup may use: where its directive sits and the server block's shared facilities. */
export interface SetupContext {
  /** The zones of the server block (normalized DomainNames). */
  readonly zones: readonly DomainName[];
  /** The Corefile path, for resolving relative paths as CoreDNS does (relative to the process cwd). */
  readonly corefile: string;
  readonly logger: Logger;
  /** Registers work to run when the server stops or a reload replaces this configuration. */
  onShutdown(fn: () => void | Promise<void>): void;
  /** Registers a readiness source for the `ready` plugin. */
  addReadiness(readiness: Readiness): void;
  /**
   * Values the plugins of one server block share, as CoreDNS plugins find each other through the
   * server config: what one plugin offers another goes through an Offer of offers.ts (kubernetes's
   * cluster view for kubeproxy). Plugins are set up in PLUGIN_ORDER, so a later plugin sees an
   * earlier one's values.
   */
  readonly shared: Map<string, unknown>;
  /**
   * This instance's link to its twins on the other threads (`-workers`): a worker leaves
   * process-wide duties (a watch, an HTTP endpoint, the proxy) to the main thread and asks it.
   */
  readonly threads: ThreadLink;
}

/**
 * What `bind`'s parse returns: the addresses it resolved (interface names already expanded). The
 * server reads them to know where a block listens, as CoreDNS's bind sets Config.ListenHosts.
 */
export interface ListenHostsOptions {
  readonly listenHosts: readonly string[];
}

/** How the server checks clients' certificates: Go's tls.ClientAuthType, by the `tls` plugin's names. */
export type ClientAuth = 'nocert' | 'request' | 'require' | 'verify_if_given' | 'require_and_verify';

/**
 * What `tls`'s parse returns: the block's certificate (read when the Corefile loads, so a reload
 * picks up a renewed one) for its tls:// and https:// listeners, as CoreDNS's tls sets
 * Config.TLSConfig.
 */
export interface ServerTlsOptions {
  readonly material: TlsMaterial;
  readonly clientAuth: ClientAuth;
  /** A file the TLS session keys are appended to (NSS key log format), for debugging; null for none. */
  readonly keylog: string | null;
}

/** What `https`'s parse returns: limits of the block's https:// listeners. */
export interface HttpsServerOptions {
  /** Connections open at once; 0 for no limit (CoreDNS's default: 200). */
  readonly maxConnections: number;
}

/** One key zone of a block on one of its addresses: what CoreDNS labels plugin_enabled with. */
export interface BlockSite {
  /** `dns://:53`, `tls://127.0.0.1:853`: the transport and configured port (0 stays 0). */
  readonly server: string;
  readonly zone: DomainName;
}

/** What a plugin learns of its server block once every plugin of the block is set up. */
export interface BlockInfo {
  readonly sites: readonly BlockSite[];
  /** Where the block listens: `bind`'s addresses, or [''] for every interface (CoreDNS's ListenHosts). */
  readonly listenHosts: readonly string[];
  /** The block's plugins that answer queries (those with a handler), in execution order. */
  readonly handlers: readonly string[];
  /** What the block's plugins registered through addReadiness. */
  readonly readiness: readonly Readiness[];
}

/** The running server as a plugin (reload) may drive it. */
export interface ServerControl {
  /** The Corefile of the configuration the plugin belongs to. */
  readonly corefile: Corefile;
  /**
   * Applies another Corefile without dropping queries; rejects and keeps the running
   * configuration on any error (and always outside a running server, as in unit tests).
   */
  reload(corefile: Corefile): Promise<void>;
}

/** A configured plugin instance of one server block. Every member is optional. */
export interface PluginInstance {
  /** Wraps the rest of the chain; absent for plugins that only configure (bind, reload, health...). */
  readonly handler?: HandlerFactory;
  /**
   * Asks the block's chain to record which plugin answered each query (see answeringPlugin in
   * request.ts), as prometheus labels its counts; costs a little per query, so opt-in.
   */
  readonly tracksAnswers?: boolean;
  /**
   * Called once every plugin of the block is set up, before any start() and before a query
   * arrives: what the block is (its addresses, handlers, readiness sources) and the server.
   */
  attach?(block: BlockInfo, server: ServerControl): void;
  /** Runs once listeners are about to open; a rejection aborts startup with the plugin named. */
  start?(): Promise<void>;
  /**
   * Runs when the server is asked to stop, before its listeners close, together with the other
   * blocks' (health's lameduck: DNS is still answered while it waits). Not run by a reload.
   */
  beforeStop?(): Promise<void>;
}

/**
 * A directive: how its Corefile lines become typed options (errors name the line), and how those
 * options become a running instance. Options are resolved once here, never per query.
 */
export interface PluginDefinition<Options = unknown> {
  readonly name: string;
  /** CoreDNS rejects a second use of most plugins within one server block. */
  readonly once: boolean;
  parse(directive: Directive): Options;
  setup(options: Options, context: SetupContext): PluginInstance | Promise<PluginInstance>;
  /**
   * Setup for `-validate`: checks what setup would (the files the options name) without reaching
   * outside the process, as a watch of the API would. Without it, validation runs setup, which
   * binds nothing (start does).
   */
  validate?(options: Options, context: SetupContext): PluginInstance | Promise<PluginInstance>;
}
