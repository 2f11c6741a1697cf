import { byCountThenKey, type CountedKey, type CountSummary } from './space-saving.ts';

/**
 * One summary of several Space-Saving summaries (threads, or trackers of several K), kept to the
 * `k` largest, as Agarwal et al.'s mergeable summaries (2012) merge counter sets: a key a part
 * does not track may still have been offered there up to that part's floor, so the key's count
 * and error take the floor. The merged count stays an upper bound of the true count and the error
 * still bounds how far above it lies, by at most the sum of the parts' floors plus the parts'
 * own errors: at most N / K over the N offers of all the parts, as for one summary.
 */
export function mergeSummaries(parts: readonly CountSummary[], k: number): CountSummary {
  if (parts.length === 1 && parts[0]!.entries.length <= k) return parts[0]!;
  const merged = new Map<string, { count: number; error: number }>();
  let total = 0;
  let floors = 0;
  for (const part of parts) {
    total += part.total;
    floors += part.floor;
  }
  for (const part of parts) {
    for (const { key, count, error } of part.entries) {
      let into = merged.get(key);
      if (into === undefined) {
        // Start from the floors of the parts that do not track it; those that do replace their floor below.
        into = { count: floors, error: floors };
        merged.set(key, into);
      }
      into.count += count - part.floor;
      into.error += error - part.floor;
    }
  }
  const entries: CountedKey[] = Array.from(merged, ([key, { count, error }]) => ({ key, count, error }));
  entries.sort(byCountThenKey);
  // A key left out here has at most the count of the largest one left out.
  const dropped = entries.length > k ? entries[k]!.count : 0;
  return { total, floor: Math.max(floors, dropped), entries: entries.slice(0, k) };
}
