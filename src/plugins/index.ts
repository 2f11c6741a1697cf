import type { Corefile } from '../corefile/types.ts';
import type { PluginDefinition } from '../toolkit/types.ts';
import type { InMemoryCluster } from './kubernetes/index.ts';

export type { InMemoryCluster } from './kubernetes/index.ts';

type PluginLoader = () => Promise<PluginDefinition>;

/**
 * The plugins compiled into clusterdns, by directive name, each imported when a Corefile first
 * names it: a plugin the Corefile does not use costs no memory (kubeadm's Corefile names 10 of
 * them; importing all of them cost 2.6 MB of heap and 9 MB of resident memory at startup).
 */
export const pluginLoaders: ReadonlyMap<string, PluginLoader> = new Map<string, PluginLoader>([
  ['acl', async () => (await import('./acl/index.ts')).aclPlugin as PluginDefinition],
  ['any', async () => (await import('./any/index.ts')).anyPlugin as PluginDefinition],
  ['autopath', async () => (await import('./autopath/index.ts')).autopathPlugin as PluginDefinition],
  ['bind', async () => (await import('./bind/index.ts')).bindPlugin as PluginDefinition],
  ['bufsize', async () => (await import('./bufsize/index.ts')).bufsizePlugin as PluginDefinition],
  ['cache', async () => (await import('./cache/index.ts')).cachePlugin as PluginDefinition],
  ['chaos', async () => (await import('./chaos/index.ts')).chaosPlugin as PluginDefinition],
  ['debug', async () => (await import('./debug/index.ts')).debugPlugin as PluginDefinition],
  ['dns64', async () => (await import('./dns64/index.ts')).dns64Plugin as PluginDefinition],
  ['errors', async () => (await import('./errors/index.ts')).errorsPlugin as PluginDefinition],
  ['forward', async () => (await import('./forward/index.ts')).forwardPlugin as PluginDefinition],
  ['header', async () => (await import('./header/index.ts')).headerPlugin as PluginDefinition],
  ['health', async () => (await import('./health/index.ts')).healthPlugin as PluginDefinition],
  ['hosts', async () => (await import('./hosts/index.ts')).hostsPlugin as PluginDefinition],
  ['https', async () => (await import('./https/index.ts')).httpsPlugin as PluginDefinition],
  ['k8s_external', async () => (await import('./k8s_external/index.ts')).externalPlugin as PluginDefinition],
  ['kubeproxy', async () => (await import('./kubeproxy/index.ts')).kubeproxyPlugin as PluginDefinition],
  ['kubernetes', async () => (await import('./kubernetes/index.ts')).kubernetesPlugin as PluginDefinition],
  ['loadbalance', async () => (await import('./loadbalance/index.ts')).loadbalancePlugin as PluginDefinition],
  ['local', async () => (await import('./local/index.ts')).localPlugin as PluginDefinition],
  ['log', async () => (await import('./log/index.ts')).logPlugin as PluginDefinition],
  ['loop', async () => (await import('./loop/index.ts')).loopPlugin as PluginDefinition],
  ['minimal', async () => (await import('./minimal/index.ts')).minimalPlugin as PluginDefinition],
  ['nsid', async () => (await import('./nsid/index.ts')).nsidPlugin as PluginDefinition],
  ['prometheus', async () => (await import('./prometheus/index.ts')).prometheusPlugin as PluginDefinition],
  ['ready', async () => (await import('./ready/index.ts')).readyPlugin as PluginDefinition],
  ['reload', async () => (await import('./reload/index.ts')).reloadPlugin as PluginDefinition],
  ['rewrite', async () => (await import('./rewrite/index.ts')).rewritePlugin as PluginDefinition],
  ['rrl', async () => (await import('./rrl/index.ts')).rrlPlugin as PluginDefinition],
  ['template', async () => (await import('./template/index.ts')).templatePlugin as PluginDefinition],
  ['tls', async () => (await import('./tls/index.ts')).tlsPlugin as PluginDefinition],
  ['top', async () => (await import('./top/index.ts')).topPlugin as PluginDefinition],
  ['transfer', async () => (await import('./transfer/index.ts')).transferPlugin as PluginDefinition],
  ['whoami', async () => (await import('./whoami/index.ts')).whoamiPlugin as PluginDefinition],
]);

/** The directive names a Corefile uses. */
export function directiveNames(corefile: Corefile): Set<string> {
  const names = new Set<string>();
  for (const block of corefile.blocks) for (const directive of block.directives) names.add(directive.name.text);
  return names;
}

/**
 * The definitions of the compiled-in plugins among `names`, imported now; names that are no
 * plugin are left out, so planning the Corefile reports them as unknown directives.
 */
export async function loadPlugins(names: Iterable<string>): Promise<Map<string, PluginDefinition>> {
  const wanted = [...new Set(names)].filter((name) => pluginLoaders.has(name));
  const definitions = await Promise.all(wanted.map((name) => pluginLoaders.get(name)!()));
  return new Map(definitions.map((definition) => [definition.name, definition]));
}

/**
 * The `kubernetes` plugin serving `cluster` in every block, whatever its directive names: the
 * programmatic fixture puts it in its registry in place of the compiled-in one.
 */
export async function loadInMemoryKubernetes(cluster: InMemoryCluster): Promise<PluginDefinition> {
  return (await import('./kubernetes/index.ts')).createKubernetesPlugin({ cluster }) as PluginDefinition;
}
