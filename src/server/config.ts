import { parseServerKeys, type ServerScheme } from '../corefile/address.ts';
import { CorefileError, type Corefile, type Directive, type ServerBlock, type Token } from '../corefile/types.ts';
import { toFqdn } from '../dns/names.ts';
import type { DomainName } from '../dns/types.ts';
import { PLUGIN_ORDER } from '../toolkit/order.ts';
import type { HttpsServerOptions, ListenHostsOptions, PluginDefinition, ServerTlsOptions } from '../toolkit/types.ts';

export const DEFAULT_DNS_PORT = 53;
/** The ports of keys that name none, by transport; plain DNS's is DEFAULT_DNS_PORT or -dns.port. */
const DEFAULT_PORTS: Readonly<Record<Exclude<ServerScheme, 'dns'>, number>> = { tls: 853, https: 443 };
/** CoreDNS's DefaultHTTPSMaxConnections, when no `https` line sets it. */
export const DEFAULT_HTTPS_MAX_CONNECTIONS = 200;
/** A listen host of '' means every interface, as CoreDNS's default ListenHosts. */
export const ALL_INTERFACES = '';

export type PluginRegistry = ReadonlyMap<string, PluginDefinition>;

export interface PluginPlan {
  readonly name: string;
  readonly definition: PluginDefinition;
  readonly options: unknown;
  readonly directive: Directive;
}

/** One key of a server block: a zone served on a port over a transport. */
export interface SitePlan {
  readonly scheme: ServerScheme;
  readonly zone: DomainName;
  readonly port: number;
  readonly key: Token;
}

export interface BlockPlan {
  readonly index: number;
  readonly sites: readonly SitePlan[];
  /** The zones of every key, for the plugins' SetupContext. */
  readonly zones: readonly DomainName[];
  /** Where the block listens; [ALL_INTERFACES] until a `bind` plugin narrows it. */
  readonly listenHosts: readonly string[];
  /** The block's `tls` certificate: without one, tls:// and https:// listeners serve unencrypted, as in CoreDNS. */
  readonly tls: ServerTlsOptions | null;
  readonly https: HttpsServerOptions | null;
  /** In execution order: PLUGIN_ORDER, then plugins it does not list, in Corefile order. */
  readonly plugins: readonly PluginPlan[];
}

/**
 * One address and the sites it routes between: a UDP and TCP socket pair for dns://, a TLS (or
 * plain TCP) socket for tls://, an HTTP/2 and HTTP/1.1 server for https://.
 */
export interface ListenerPlan {
  readonly scheme: ServerScheme;
  readonly host: string;
  readonly port: number;
  /** The first of its blocks' `tls` certificates (CoreDNS takes one of them). */
  readonly tls: ServerTlsOptions | null;
  readonly httpsMaxConnections: number;
  readonly sites: readonly { readonly site: SitePlan; readonly block: BlockPlan }[];
}

export interface ServerPlan {
  readonly file: string;
  readonly blocks: readonly BlockPlan[];
  readonly listeners: readonly ListenerPlan[];
}

export interface PlanOptions {
  /** The port of keys that name none (CoreDNS's -dns.port); 0 picks a free port (tests only). */
  readonly dnsPort?: number;
  readonly registry: PluginRegistry;
}

const orderIndex = new Map<string, number>(PLUGIN_ORDER.map((name, index) => [name, index]));

/** The plugin that narrows where a block listens, as CoreDNS's bind sets Config.ListenHosts. */
const LISTEN_HOSTS_PLUGIN = 'bind';

/** Every interface, unless `bind` lines name addresses: then all of them, in Corefile order. */
function listenHostsOf(plugins: readonly PluginPlan[]): string[] {
  const bound = plugins.filter((plugin) => plugin.name === LISTEN_HOSTS_PLUGIN);
  if (bound.length === 0) return [ALL_INTERFACES];
  return bound.flatMap((plugin) => (plugin.options as ListenHostsOptions).listenHosts);
}

function optionsOf<T>(plugins: readonly PluginPlan[], name: string): T | null {
  const plugin = plugins.find((candidate) => candidate.name === name);
  return plugin === undefined ? null : (plugin.options as T);
}

function executionRank(name: string): number {
  return orderIndex.get(name) ?? PLUGIN_ORDER.length;
}

function planPlugins(block: ServerBlock, registry: PluginRegistry): PluginPlan[] {
  const seen = new Set<string>();
  const plugins: PluginPlan[] = [];
  for (const directive of block.directives) {
    const { text: name, file, line } = directive.name;
    const definition = registry.get(name);
    if (!definition) throw new CorefileError(file, line, `Unknown directive '${name}'`);
    if (definition.once && seen.has(name)) {
      throw new CorefileError(file, line, 'this plugin can only be used once per Server Block', name);
    }
    seen.add(name);
    plugins.push({ name, definition, options: definition.parse(directive), directive });
  }
  // Array sort is stable: several directives of one plugin keep their Corefile order.
  return plugins.sort((a, b) => executionRank(a.name) - executionRank(b.name));
}

function siteAddress(site: SitePlan, host: string): string {
  return `${site.scheme}://${toFqdn(site.zone)}:${site.port}${host === ALL_INTERFACES ? '' : ` on ${host}`}`;
}

function firstOf(values: ReadonlySet<string>): string | undefined {
  for (const value of values) return value;
  return undefined;
}

/**
 * CoreDNS refuses a zone served twice on one address, and a zone on every interface of a port
 * that is also bound to one address of that port (and the other way round).
 */
export class SiteRegistry {
  private readonly hostsByZonePort = new Map<string, Set<string>>();

  add(site: SitePlan, host: string): void {
    const zonePort = `${site.scheme}\u0000${site.zone}\u0000${site.port}`;
    let hosts = this.hostsByZonePort.get(zonePort);
    if (!hosts) this.hostsByZonePort.set(zonePort, (hosts = new Set()));
    const here = siteAddress(site, host);
    const { file, line } = site.key;
    if (hosts.has(host)) throw new CorefileError(file, line, `cannot serve ${here} - it is already defined`);
    const clash = host === ALL_INTERFACES ? firstOf(hosts) : hosts.has(ALL_INTERFACES) ? ALL_INTERFACES : undefined;
    if (clash !== undefined) {
      const other = siteAddress(site, clash);
      throw new CorefileError(file, line, `cannot serve ${here} - zone overlap listener capacity with ${other}`);
    }
    hosts.add(host);
  }
}

/**
 * Turns a parsed Corefile into what the server opens and runs: every directive checked against the
 * registry and parsed once, blocks grouped into listeners by address and port, overlaps refused.
 */
export function planServer(corefile: Corefile, options: PlanOptions): ServerPlan {
  const defaultPort = options.dnsPort ?? DEFAULT_DNS_PORT;
  const served = new SiteRegistry();
  const listeners = new Map<string, Omit<ListenerPlan, 'tls'> & { tls: ServerTlsOptions | null; sites: ListenerPlan['sites'][number][] }>();
  const blocks = corefile.blocks.map((block, index): BlockPlan => {
    // A reverse CIDR key off a label boundary (10.0.0.0/22) stands for several zones.
    const sites = block.keys.flatMap((key) =>
      parseServerKeys(key).map(({ scheme, zone, port }): SitePlan => ({
        scheme,
        zone,
        port: port ?? (scheme === 'dns' ? defaultPort : DEFAULT_PORTS[scheme]),
        key,
      })),
    );
    const plugins = planPlugins(block, options.registry);
    const plan: BlockPlan = {
      index,
      sites,
      zones: sites.map((site) => site.zone),
      listenHosts: listenHostsOf(plugins),
      tls: optionsOf<ServerTlsOptions>(plugins, 'tls'),
      https: optionsOf<HttpsServerOptions>(plugins, 'https'),
      plugins,
    };
    for (const site of sites) {
      for (const host of plan.listenHosts) {
        served.add(site, host);
        const id = `${site.scheme}\u0000${host}\u0000${site.port}`;
        let listener = listeners.get(id);
        if (!listener) {
          const httpsMaxConnections = plan.https?.maxConnections ?? DEFAULT_HTTPS_MAX_CONNECTIONS;
          listeners.set(id, (listener = { scheme: site.scheme, host, port: site.port, tls: plan.tls, httpsMaxConnections, sites: [] }));
        }
        listener.tls ??= plan.tls;
        listener.sites.push({ site, block: plan });
      }
    }
    return plan;
  });
  return { file: corefile.file, blocks, listeners: [...listeners.values()] };
}
