import { counter, gauge, histogram } from './registry.ts';

/*
 * The metrics of CoreDNS's plugin/metrics/vars, with its names, labels and buckets, so its
 * dashboards and alerts read clusterdns unchanged. `view` is always '' (no view plugin here).
 */

/** plugin.TimeBuckets: prometheus.ExponentialBuckets(0.00025, 2, 16), 0.25 ms to 8.192 s. */
export const TIME_BUCKETS: readonly number[] = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);
/** plugin.SlimTimeBuckets: prometheus.ExponentialBuckets(0.00025, 10, 5), 0.25 ms to 2.5 s. */
export const SLIM_TIME_BUCKETS: readonly number[] = Array.from({ length: 5 }, (_, i) => 0.00025 * 10 ** i);
/** The request and response size buckets of CoreDNS, in bytes. */
export const SIZE_BUCKETS: readonly number[] = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

export const requestCount = counter({
  name: 'coredns_dns_requests_total',
  help: 'Counter of DNS requests made per zone, protocol and family.',
  labelNames: ['server', 'zone', 'view', 'proto', 'family', 'type'],
});

export const requestDuration = histogram({
  name: 'coredns_dns_request_duration_seconds',
  help: 'Histogram of the time (in seconds) each request took per zone.',
  labelNames: ['server', 'zone', 'view'],
  buckets: TIME_BUCKETS,
});

export const requestSize = histogram({
  name: 'coredns_dns_request_size_bytes',
  help: 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.',
  labelNames: ['server', 'zone', 'view', 'proto'],
  buckets: SIZE_BUCKETS,
});

export const requestDo = counter({
  name: 'coredns_dns_do_requests_total',
  help: 'Counter of DNS requests with DO bit set per zone.',
  labelNames: ['server', 'zone', 'view'],
});

export const responseSize = histogram({
  name: 'coredns_dns_response_size_bytes',
  help: 'Size of the returned response in bytes.',
  labelNames: ['server', 'zone', 'view', 'proto'],
  buckets: SIZE_BUCKETS,
});

export const responseRcode = counter({
  name: 'coredns_dns_responses_total',
  help: 'Counter of response status codes.',
  labelNames: ['server', 'zone', 'view', 'rcode', 'plugin'],
});

export const httpsResponses = counter({
  name: 'coredns_https_responses_total',
  help: 'Counter of DoH responses per server and http status code.',
  labelNames: ['server', 'status'],
});

export const panics = counter({
  name: 'coredns_panics_total',
  help: 'A metrics that counts the number of panics.',
  labelNames: [],
});

export const buildInfo = gauge({
  name: 'coredns_build_info',
  help: "A metric with a constant '1' value labeled by version, revision, and goversion from which CoreDNS was built.",
  labelNames: ['version', 'revision', 'goversion'],
});

/** The zone label CoreDNS gives queries it refused before any plugin saw them. */
export const DROPPED_ZONE = 'dropped';
