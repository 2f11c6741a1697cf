import type { Logger } from '../../log.ts';
import { http } from '../../node-http.ts';
import { SLIM_TIME_BUCKETS } from '../../metrics/coredns.ts';
import { counter, histogram } from '../../metrics/registry.ts';

const healthDuration = histogram({
  name: 'coredns_health_request_duration_seconds',
  help: 'Histogram of the time (in seconds) each request took.',
  labelNames: [],
  buckets: SLIM_TIME_BUCKETS,
}).cell();

const healthFailures = counter({
  name: 'coredns_health_request_failures_total',
  help: 'The number of times the health check failed.',
  labelNames: [],
}).cell();

/** CoreDNS's self-check: once a second, with a 3 s timeout; a local check slower than 1 s is worth a warning. */
const PERIOD_MS = 1_000;
const TIMEOUT_MS = 3_000;
const SLOW_MS = 1_000;

function check(url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent: false, timeout: TIMEOUT_MS }, (response) => {
      response.resume();
      response.on('end', () => resolve());
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${TIMEOUT_MS}ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Asks our own /health once a second and records how long it took: a slow answer means the
 * process is struggling with its load (CoreDNS's "overloaded" check). Returns the stopper.
 */
export function watchOverload(url: URL, logger: Logger): () => void {
  let running = true;
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    const start = performance.now();
    check(url).then(
      () => {
        const elapsed = performance.now() - start;
        healthDuration.observe(elapsed / 1000);
        if (elapsed > SLOW_MS) logger.warn(`Local health request to "${url.href}" took more than 1s: ${Math.round(elapsed)}ms`);
      },
      (error: unknown) => {
        if (!running) return;
        healthDuration.observe((performance.now() - start) / 1000);
        healthFailures.inc();
        logger.warn(`Local health request to "${url.href}" failed: ${(error as Error).message}`);
      },
    ).finally(() => (inFlight = false));
  }, PERIOD_MS);
  timer.unref();
  return () => {
    running = false;
    clearInterval(timer);
  };
}
