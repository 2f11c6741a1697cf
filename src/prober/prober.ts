import { objectKey } from '../cluster/store.ts';
import type { ClusterState, ObjectKey, Pod } from '../cluster/types.ts';
import type { Logger } from '../log.ts';
import { ProbeLoop } from './loop.ts';

export interface ProberOptions {
  readonly logger: Logger;
  /** Called when a pod's probed readiness flips; the pod is `namespace/name`. */
  readonly onChange?: (pod: ObjectKey, ready: boolean) => void;
}

interface Probed {
  /** What the loop was started from; a pod whose probe, address or ports change gets a new loop. */
  readonly signature: string;
  readonly loop: ProbeLoop;
}

/**
 * Readiness probes for pods described by manifests, where no kubelet runs them: one loop per pod
 * that has a probe and an address, started and stopped as the pods come and go. Its results
 * replace the pods' Ready condition through applyReadiness().
 */
export class Prober {
  readonly #logger: Logger;
  readonly #onChange: (pod: ObjectKey, ready: boolean) => void;
  readonly #probed = new Map<ObjectKey, Probed>();
  #stopped = false;

  constructor(options: ProberOptions) {
    this.#logger = options.logger;
    this.#onChange = options.onChange ?? (() => {});
  }

  /** Makes the running loops match these pods: new ones start, changed ones restart, gone ones stop. */
  update(pods: Iterable<Pod>): void {
    if (this.#stopped) return;
    const seen = new Set<ObjectKey>();
    for (const pod of pods) {
      const signature = probeSignature(pod);
      if (signature === undefined) continue;
      const key = objectKey(pod.namespace, pod.name);
      seen.add(key);
      const current = this.#probed.get(key);
      if (current?.signature === signature) continue;
      current?.loop.stop();
      this.#probed.set(key, { signature, loop: this.#startLoop(key, pod) });
    }
    for (const [key, { loop }] of this.#probed) {
      if (seen.has(key)) continue;
      loop.stop();
      this.#probed.delete(key);
    }
  }

  /** The probed readiness; undefined for a pod without a running probe. */
  readiness(namespace: string, name: string): boolean | undefined {
    return this.#probed.get(objectKey(namespace, name))?.loop.ready;
  }

  /**
   * The state with each probed pod's Ready condition replaced by its probe's verdict. A pod with a
   * probe that cannot run (no address yet) is not ready, as a pod whose probe has not yet succeeded.
   */
  applyReadiness(state: ClusterState): ClusterState {
    let changed = false;
    const pods = state.pods.map((pod) => {
      if (pod.readinessProbe === undefined) return pod;
      const ready = this.readiness(pod.namespace, pod.name) ?? false;
      if (ready === pod.ready) return pod;
      changed = true;
      return { ...pod, ready };
    });
    return changed ? { ...state, pods } : state;
  }

  /** Stops every loop; later updates start none. */
  stop(): void {
    this.#stopped = true;
    for (const { loop } of this.#probed.values()) loop.stop();
    this.#probed.clear();
  }

  #startLoop(key: ObjectKey, pod: Pod): ProbeLoop {
    const target = { namespace: pod.namespace, name: pod.name, ip: pod.ips[0] as string, containerPorts: pod.containerPorts };
    const loop = new ProbeLoop(target, pod.readinessProbe!, (ready, outcome) => {
      if (this.#probed.get(key)?.loop !== loop) return;
      this.#logger.info({ pod: key, ready, detail: outcome.detail }, ready ? 'readiness probe passed' : 'readiness probe failed');
      this.#onChange(key, ready);
    });
    loop.start();
    return loop;
  }
}

/** undefined when the pod has nothing to probe: no probe, no address, or finished. */
function probeSignature(pod: Pod): string | undefined {
  if (pod.readinessProbe === undefined || pod.ips.length === 0) return undefined;
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return undefined;
  return JSON.stringify([pod.readinessProbe, pod.ips[0], pod.containerPorts]);
}
