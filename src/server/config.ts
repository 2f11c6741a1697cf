import { parseServerKeys } from '../corefile/address.ts';
import { CorefileError, type Corefile, type Directive, type ServerBlock, type Token } from '../corefile/types.ts';
import { toFqdn } from '../dns/names.ts';
import type { DomainName } from '../dns/types.ts';
import { PLUGIN_ORDER } from '../toolkit/order.ts';
import type { ListenHostsOptions, PluginDefinition } from '../toolkit/types.ts';

export const DEFAULT_DNS_PORT = 53;
/** A listen host of '' means every interface, as CoreDNS's default ListenHosts. */
export const ALL_INTERFACES = '';

export type PluginRegistry = ReadonlyMap<string, PluginDefinition>;

export interface PluginPlan {
  readonly name: string;
  readonly definition: PluginDefinition;
  readonly options: unknown;
  readonly directive: Directive;
}

/** One key of a server block: a zone served on a port. */
export interface SitePlan {
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
  /** In execution order: PLUGIN_ORDER, then plugins it does not list, in Corefile order. */
  readonly plugins: readonly PluginPlan[];
}

/** One socket pair (UDP and TCP) and the sites it routes between. */
export interface ListenerPlan {
  readonly host: string;
  readonly port: number;
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

function siteAddress(zone: DomainName, port: number, host: string): string {
  return `dns://${toFqdn(zone)}:${port}${host === ALL_INTERFACES ? '' : ` on ${host}`}`;
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
    const zonePort = `${site.zone}\u0000${site.port}`;
    let hosts = this.hostsByZonePort.get(zonePort);
    if (!hosts) this.hostsByZonePort.set(zonePort, (hosts = new Set()));
    const here = siteAddress(site.zone, site.port, host);
    const { file, line } = site.key;
    if (hosts.has(host)) throw new CorefileError(file, line, `cannot serve ${here} - it is already defined`);
    const clash = host === ALL_INTERFACES ? firstOf(hosts) : hosts.has(ALL_INTERFACES) ? ALL_INTERFACES : undefined;
    if (clash !== undefined) {
      const other = siteAddress(site.zone, site.port, clash);
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
  const listeners = new Map<string, { host: string; port: number; sites: ListenerPlan['sites'][number][] }>();
  const blocks = corefile.blocks.map((block, index): BlockPlan => {
    // A reverse CIDR key off a label boundary (10.0.0.0/22) stands for several zones.
    const sites = block.keys.flatMap((key) =>
      parseServerKeys(key).map((address): SitePlan => ({ zone: address.zone, port: address.port ?? defaultPort, key })),
    );
    const plugins = planPlugins(block, options.registry);
    const plan: BlockPlan = {
      index,
      sites,
      zones: sites.map((site) => site.zone),
      listenHosts: listenHostsOf(plugins),
      plugins,
    };
    for (const site of sites) {
      for (const host of plan.listenHosts) {
        served.add(site, host);
        const id = `${host}\u0000${site.port}`;
        let listener = listeners.get(id);
        if (!listener) listeners.set(id, (listener = { host, port: site.port, sites: [] }));
        listener.sites.push({ site, block: plan });
      }
    }
    return plan;
  });
  return { file: corefile.file, blocks, listeners: [...listeners.values()] };
}
