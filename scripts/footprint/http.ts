/** The server's HTTP side: /ready for the sync time, /metrics for the heap. */
import { setTimeout as sleep } from 'node:timers/promises';

/** One GET on loopback; the status and body, or null when nothing answered within `timeoutMs`. */
export async function get(url: string, timeoutMs: number): Promise<{ status: number; body: string } | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await response.text() };
  } catch {
    return null;
  }
}

/**
 * Polls `url` every `intervalMs` until it answers 200; returns the ms from `since` (a
 * performance.now() time) to that answer. Throws after `timeoutMs`, or once `gone()` says the
 * process serving it has exited.
 */
export async function waitFor200(url: string, options: { since: number; intervalMs: number; timeoutMs: number; gone: () => boolean }): Promise<number> {
  const deadline = options.since + options.timeoutMs;
  while (performance.now() < deadline) {
    const answer = await get(url, Math.max(50, Math.min(1000, deadline - performance.now())));
    if (answer?.status === 200) return performance.now() - options.since;
    if (options.gone()) throw new Error(`the server exited before ${url} answered 200`);
    await sleep(options.intervalMs);
  }
  throw new Error(`${url} did not answer 200 within ${options.timeoutMs} ms`);
}

/** Heap figures from prom-client's default Node metrics, when /metrics has them. */
export interface HeapMetrics {
  readonly heapUsedBytes: number;
  readonly heapTotalBytes?: number;
  readonly externalBytes?: number;
}

/** The value of an unlabelled sample `name` in Prometheus text; undefined when absent. */
export function metricValue(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}(?:\\{\\})?\\s+(\\S+)`, 'm').exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : undefined;
}

export function parseHeapMetrics(text: string): HeapMetrics | null {
  const heapUsedBytes = metricValue(text, 'nodejs_heap_size_used_bytes');
  if (heapUsedBytes === undefined) return null;
  const heapTotalBytes = metricValue(text, 'nodejs_heap_size_total_bytes');
  const externalBytes = metricValue(text, 'nodejs_external_memory_bytes');
  return {
    heapUsedBytes,
    ...(heapTotalBytes === undefined ? {} : { heapTotalBytes }),
    ...(externalBytes === undefined ? {} : { externalBytes }),
  };
}

export async function scrapeHeap(url: string): Promise<HeapMetrics | null> {
  const answer = await get(url, 5000);
  return answer?.status === 200 ? parseHeapMetrics(answer.body) : null;
}
