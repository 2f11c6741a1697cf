import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCorefile } from '../../src/corefile/parse.ts';
import { silentLogger } from '../../src/log.ts';
import { registerCollector, renderMetrics } from '../../src/metrics/registry.ts';
import { proxyCollector } from '../../src/plugins/kubeproxy/metrics.ts';
import { dig } from '../../src/test-support/dig.ts';
import { fixturePlugins } from '../../src/test-support/fixture-plugins.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { httpGet, sample } from './http.ts';

describe('prometheus exposes the cache counters as coredns_cache_*', () => {
  let server: TestServer;
  let dnsPort: number;
  let metricsPort: number;
  let corefile: string;
  const scrape = async () => (await httpGet(metricsPort, '/metrics')).body;

  beforeAll(async () => {
    [dnsPort, metricsPort] = [await freePort(), await freePort()];
    corefile = `example.org:${dnsPort} {\n prometheus 127.0.0.1:${metricsPort}\n cache 30\n zoneecho\n}\n`;
    server = await startTestServer(corefile, { extraPlugins: fixturePlugins });
  });
  afterAll(async () => server?.stop());

  it('counts requests, hits, misses and entries, and keeps counting across a reload', async () => {
    const labels = { server: `dns://:${dnsPort}`, zones: 'example.org.', view: '' };
    await dig('a.example.org', { port: dnsPort, type: 'TXT' });
    await dig('a.example.org', { port: dnsPort, type: 'TXT' });
    let metrics = await scrape();
    expect(sample(metrics, 'coredns_cache_requests_total', labels)).toBe(2);
    expect(sample(metrics, 'coredns_cache_hits_total', { ...labels, type: 'success' })).toBe(1);
    expect(sample(metrics, 'coredns_cache_misses_total', labels)).toBe(1);
    expect(sample(metrics, 'coredns_cache_entries', { ...labels, type: 'success' })).toBe(1);
    expect(sample(metrics, 'coredns_dns_responses_total', { server: labels.server, zone: 'example.org.', view: '', rcode: 'NOERROR', plugin: 'cache' })).toBe(1);
    expect(sample(metrics, 'coredns_dns_responses_total', { server: labels.server, zone: 'example.org.', view: '', rcode: 'NOERROR', plugin: 'zoneecho' })).toBe(1);

    await server.server.reload(parseCorefile(corefile, 'Corefile'));
    await dig('a.example.org', { port: dnsPort, type: 'TXT' });
    metrics = await scrape();
    expect(sample(metrics, 'coredns_cache_requests_total', labels)).toBe(3);
    expect(sample(metrics, 'coredns_cache_misses_total', labels)).toBe(2);
    expect(sample(metrics, 'coredns_dns_requests_total', { server: labels.server, zone: 'example.org.', view: '', proto: 'udp', family: '1', type: 'TXT' })).toBe(3);
  });
});

describe('kubeproxy counters', () => {
  it('are read from each registered proxy at each scrape, per namespace and service, until unregistered', async () => {
    const counters = { connections: 3, bytesIn: 100, bytesOut: 2000, errors: 1 };
    const proxy = { stats: () => new Map([['shop/frontend', { ...counters }]]) };
    const unreport = registerCollector(proxyCollector(proxy));
    let metrics = await renderMetrics(silentLogger);
    const labels = { namespace: 'shop', service: 'frontend' };
    expect(sample(metrics, 'clusterdns_kubeproxy_connections_total', labels)).toBe(3);
    expect(sample(metrics, 'clusterdns_kubeproxy_received_bytes_total', labels)).toBe(100);
    expect(sample(metrics, 'clusterdns_kubeproxy_sent_bytes_total', labels)).toBe(2000);
    expect(sample(metrics, 'clusterdns_kubeproxy_errors_total', labels)).toBe(1);
    counters.connections = 5;
    expect(sample(await renderMetrics(silentLogger), 'clusterdns_kubeproxy_connections_total', labels)).toBe(5);
    unreport();
    metrics = await renderMetrics(silentLogger);
    expect(sample(metrics, 'clusterdns_kubeproxy_connections_total', labels)).toBeUndefined();
  });

  it('add up over the proxies of one service, afresh at each scrape', async () => {
    const proxy = { stats: () => new Map([['shop/cart', { connections: 2, bytesIn: 0, bytesOut: 0, errors: 0 }]]) };
    const unregister = [registerCollector(proxyCollector(proxy)), registerCollector(proxyCollector(proxy))];
    const labels = { namespace: 'shop', service: 'cart' };
    expect(sample(await renderMetrics(silentLogger), 'clusterdns_kubeproxy_connections_total', labels)).toBe(4);
    expect(sample(await renderMetrics(silentLogger), 'clusterdns_kubeproxy_connections_total', labels)).toBe(4);
    for (const unregisterOne of unregister) unregisterOne();
  });
});
