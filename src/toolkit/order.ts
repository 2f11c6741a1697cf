/**
 * The order plugins run in, whatever order a Corefile lists them in: CoreDNS's plugin.cfg, cut
 * to the plugins clusterdns has, plus clusterdns's own (`top` after `prometheus`: it counts every
 * query, answered by whichever plugin; `kubeproxy` beside `kubernetes`) and the external plugin
 * `rrl` where its plugin.cfg.yaml puts it.
 * A query enters the chain at the first plugin of this list that its server block uses.
 */
export const PLUGIN_ORDER = [
  'tls',
  'https',
  'reload',
  'nsid',
  'bufsize',
  'bind',
  'debug',
  'ready',
  'health',
  'prometheus',
  'top',
  'errors',
  'log',
  'local',
  'dns64',
  // github.com/coredns/rrl's plugin.cfg.yaml: before acl.
  'rrl',
  'acl',
  'any',
  'chaos',
  'loadbalance',
  'cache',
  'rewrite',
  'header',
  'autopath',
  'minimal',
  'template',
  'transfer',
  'hosts',
  'k8s_external',
  'kubernetes',
  'kubeproxy',
  'loop',
  'forward',
  'whoami',
] as const;

export type PluginName = (typeof PLUGIN_ORDER)[number];
