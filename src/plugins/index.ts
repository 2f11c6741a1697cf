import type { PluginDefinition } from '../toolkit/types.ts';
import { aclPlugin } from './acl/index.ts';
import { anyPlugin } from './any/index.ts';
import { autopathPlugin } from './autopath/index.ts';
import { bindPlugin } from './bind/index.ts';
import { bufsizePlugin } from './bufsize/index.ts';
import { cachePlugin } from './cache/index.ts';
import { chaosPlugin } from './chaos/index.ts';
import { debugPlugin } from './debug/index.ts';
import { dns64Plugin } from './dns64/index.ts';
import { errorsPlugin } from './errors/index.ts';
import { forwardPlugin } from './forward/index.ts';
import { headerPlugin } from './header/index.ts';
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
import { nsidPlugin } from './nsid/index.ts';
import { prometheusPlugin } from './prometheus/index.ts';
import { readyPlugin } from './ready/index.ts';
import { reloadPlugin } from './reload/index.ts';
import { rewritePlugin } from './rewrite/index.ts';
import { tlsPlugin } from './tls/index.ts';
import { templatePlugin } from './template/index.ts';
import { topPlugin } from './top/index.ts';
import { transferPlugin } from './transfer/index.ts';
import { whoamiPlugin } from './whoami/index.ts';

/** The plugins compiled into clusterdns, by directive name. */
export const plugins: ReadonlyMap<string, PluginDefinition> = new Map<string, PluginDefinition>(
  [
    aclPlugin,
    anyPlugin,
    autopathPlugin,
    bindPlugin,
    bufsizePlugin,
    cachePlugin,
    chaosPlugin,
    debugPlugin,
    dns64Plugin,
    errorsPlugin,
    forwardPlugin,
    headerPlugin,
    healthPlugin,
    hostsPlugin,
    httpsPlugin,
    externalPlugin,
    kubeproxyPlugin,
    kubernetesPlugin,
    loadbalancePlugin,
    localPlugin,
    logPlugin,
    loopPlugin,
    minimalPlugin,
    nsidPlugin,
    prometheusPlugin,
    readyPlugin,
    reloadPlugin,
    rewritePlugin,
    templatePlugin,
    tlsPlugin,
    topPlugin,
    transferPlugin,
    whoamiPlugin,
  ].map((definition) => [definition.name, definition as PluginDefinition]),
);
