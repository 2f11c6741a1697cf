/** The cluster sizes `npm run footprint` measures, with the Corefile each runs and its target. */
import { DEFAULT_NAMESPACES, DEFAULT_SEED, type ClusterLayout } from './objects.ts';

export type PodsMode = 'insecure' | 'verified';

export interface FootprintSize {
  readonly name: string;
  readonly layout: ClusterLayout;
  /** The kubernetes block's `pods` mode; `verified` watches every pod. */
  readonly podsMode: PodsMode;
  /** Whether the server block has `autopath @kubernetes`. */
  readonly autopath: boolean;
  /** The budget: RSS after the burst at most `rssMb`, and sync faster than `syncMs` when set. */
  readonly target: { readonly rssMb: number; readonly syncMs?: number };
}

function layout(services: number, endpointsPerService: number, pods: number): ClusterLayout {
  return { services, endpointsPerService, pods, namespaces: DEFAULT_NAMESPACES, seed: DEFAULT_SEED };
}

export const SIZES: readonly FootprintSize[] = [
  { name: 'small', layout: layout(200, 5, 0), podsMode: 'insecure', autopath: false, target: { rssMb: 70 } },
  { name: 'large', layout: layout(10_000, 5, 0), podsMode: 'insecure', autopath: false, target: { rssMb: 114, syncMs: 2000 } },
  { name: 'large+pods', layout: layout(10_000, 5, 50_000), podsMode: 'verified', autopath: true, target: { rssMb: 200, syncMs: 4000 } },
];

export class UnknownSizeError extends Error {
  readonly size: string;
  constructor(size: string) {
    super(`unknown size ${JSON.stringify(size)} (known: ${SIZES.map((s) => s.name).join(', ')})`);
    this.name = 'UnknownSizeError';
    this.size = size;
  }
}

export function sizeNamed(name: string): FootprintSize {
  const size = SIZES.find((s) => s.name === name);
  if (!size) throw new UnknownSizeError(name);
  return size;
}

export function endpointCount(layout: ClusterLayout): number {
  return layout.services * layout.endpointsPerService;
}
