export { Prober, type ProberOptions } from './prober.ts';
export { probingTransform } from './transform.ts';
export { ProbingManifestSource } from './source.ts';
export { type ProbeOutcome, type ProbeTarget, resolvePort, runProbe } from './actions.ts';
