/** Per-query latencies from `dnsperf -v`, which prints `> RCODE name type seconds` for each response. */

const RESPONSE_LINE = /^> \S+ \S+ \S+ ([0-9.]+)$/gm;

/** Milliseconds of each response, in the order they came. */
export function responseLatenciesMs(output: string): number[] {
  const latencies: number[] = [];
  for (const match of output.matchAll(RESPONSE_LINE)) latencies.push(Number(match[1]) * 1000);
  return latencies;
}

/** The value at or below which `fraction` of `values` lie (nearest rank); null for none. */
export function percentile(values: readonly number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1]!;
}
