import { ManifestSource, type ManifestSourceOptions } from '../cluster/manifests/source.ts';
import type { ClusterSource, ClusterWriter } from '../cluster/types.ts';
import { Prober } from './prober.ts';
import { probingTransform } from './transform.ts';

/**
 * A manifests source whose pods' readiness comes from their readiness probes: the options'
 * transform (the embedded controller) sees probed pods, and each flip re-runs it, so a failing
 * backend leaves the computed EndpointSlices within periodSeconds x failureThreshold.
 */
export class ProbingManifestSource implements ClusterSource {
  readonly name = 'manifests';
  readonly prober: Prober;
  readonly #source: ManifestSource;
  readonly #logger: ManifestSourceOptions['logger'];
  #refreshQueued = false;
  #refreshing: Promise<void> | undefined;

  constructor(options: ManifestSourceOptions) {
    this.#logger = options.logger;
    this.prober = new Prober({ logger: options.logger, onChange: () => this.#queueRefresh() });
    this.#source = new ManifestSource({ ...options, transform: probingTransform(this.prober, options.transform) });
  }

  start(writer: ClusterWriter): Promise<void> {
    return this.#source.start(writer);
  }

  async stop(): Promise<void> {
    this.prober.stop();
    await this.#source.stop();
    await this.#refreshing;
  }

  /** Flips that land together (a node's worth of pods failing at once) cost one recomputation. */
  #queueRefresh(): void {
    if (this.#refreshQueued) return;
    this.#refreshQueued = true;
    setImmediate(() => {
      this.#refreshQueued = false;
      this.#refreshing = this.#source.refresh().catch((error: unknown) => {
        this.#logger.error({ err: error }, 'refresh after a probe result failed');
      });
    });
  }
}
