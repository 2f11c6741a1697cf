/**
 * CoreDNS's published memory estimate (coredns/deployment, kubernetes/Scaling_CoreDNS.md):
 *
 *     MB required (default settings) = (Pods + Services) / 1000 + 54
 *     MB required (w/ autopath)      = (Pods + Services) / 250 + 56
 *
 * "Pods" are the cluster's pods, whether or not CoreDNS watches them: a cluster with 50k
 * endpoints has the 50k pods behind them even when `pods insecure` never lists one. So when the
 * fake serves no pods, the pods counted are the endpoints' (one pod per endpoint).
 */
import type { ClusterLayout } from './objects.ts';
import { endpointCount } from './sizes.ts';

export function corednsFormulaMb(pods: number, services: number, autopath: boolean): number {
  return autopath ? (pods + services) / 250 + 56 : (pods + services) / 1000 + 54;
}

/** The pods the formula counts for a layout: the pods served, else one per endpoint. */
export function formulaPods(layout: ClusterLayout): number {
  return Math.max(layout.pods, endpointCount(layout));
}

export function formulaForLayout(layout: ClusterLayout, autopath: boolean): number {
  return corednsFormulaMb(formulaPods(layout), layout.services, autopath);
}
