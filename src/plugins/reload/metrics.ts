import { counter, gauge } from '../../metrics/registry.ts';

export const reloadFailures = counter({
  name: 'coredns_reload_failed_total',
  help: 'Counter of the number of failed reload attempts.',
  labelNames: [],
}).cell();

/** The SHA-512 of each running watched configuration (one, but for the moment a reload overlaps two). */
const runningHashes = new Set<string>();

const versionInfo = gauge(
  {
    name: 'coredns_reload_version_info',
    help: "A metric with a constant '1' value labeled by hash, and value which type of hash generated.",
    labelNames: ['hash', 'value'],
  },
  () => {
    versionInfo.reset();
    for (const hash of runningHashes) versionInfo.cell('sha512', hash).set(1);
  },
);

/** Reports `hash` in coredns_reload_version_info until the returned function is called. */
export function reportVersion(hash: string): () => void {
  runningHashes.add(hash);
  return () => void runningHashes.delete(hash);
}
