import type { PluginDefinition } from '../toolkit/types.ts';
import { aclPlugin } from './acl/index.ts';
import { anyPlugin } from './any/index.ts';
import { autopathPlugin } from './autopath/index.ts';
import { bindPlugin } from './bind/index.ts';
import { cachePlugin } from './cache/index.ts';
import { errorsPlugin } from './errors/index.ts';
import { forwardPlugin } from './forward/index.ts';
import { healthPlugin } from './health/index.ts';
import { hostsPlugin } from './hosts/index.ts';
import { httpsPlugin } from './https/index.ts';
import { externalPlugin } from './k8s_external/index.ts';
import { kubeproxyPlugin } from './kubeproxy/index.ts';
import { kubernetesPlugin } from './kubernetes/index.ts';
import { loadbalancePlugin } from './loadbalance/index.ts';
import { localPlugin } from './local/index.ts';
import { logPlugin } from './log/index.ts';
import { loopPlugin } from './loop/index.ts';
import { minimalPlugin } from './minimal/index.ts';
import { prometheusPlugin } from './prometheus/index.ts';
import { readyPlugin } from './ready/index.ts';
import { reloadPlugin } from './reload/index.ts';
import { rewritePlugin } from './rewrite/index.ts';
import { rrlPlugin } from './rrl/index.ts';
import { tlsPlugin } from './tls/index.ts';
import { transferPlugin } from './transfer/index.ts';
import { whoamiPlugin } from './whoami/index.ts';

/** The plugins compiled into clusterdns, by directive name. */
export const plugins: ReadonlyMap<string, PluginDefinition> = new Map<string, PluginDefinition>(
  [aclPlugin, anyPlugin, autopathPlugin, bindPlugin, cachePlugin, errorsPlugin, forwardPlugin, healthPlugin, hostsPlugin, httpsPlugin, externalPlugin, kubernetesPlugin, kubeproxyPlugin, loadbalancePlugin, localPlugin, logPlugin, loopPlugin, minimalPlugin, prometheusPlugin, readyPlugin, reloadPlugin, rewritePlugin, rrlPlugin, tlsPlugin, transferPlugin, whoamiPlugin].map((definition) => [definition.name, definition as PluginDefinition]),
);
