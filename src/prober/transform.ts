import type { ClusterState } from '../cluster/types.ts';
import type { Prober } from './prober.ts';

/**
 * The manifests source's transform with probes: the prober learns the loaded pods, their Ready
 * conditions become the probe results, then `inner` (the embedded controller) computes from that.
 */
export function probingTransform(
  prober: Prober,
  inner: (state: ClusterState) => ClusterState = (state) => state,
): (state: ClusterState) => ClusterState {
  return (state) => {
    prober.update(state.pods);
    return inner(prober.applyReadiness(state));
  };
}
