import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig, type DigResult } from '../../src/test-support/dig.ts';
import { fixturePlugins } from '../../src/test-support/fixture-plugins.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { httpGet, sample } from './http.ts';

function responseBytes(result: DigResult): number {
  return Number(/MSG SIZE {2}rcvd: (\d+)/.exec(result.output)![1]);
}

describe('prometheus: the metrics of known queries', () => {
  let server: TestServer;
  let dnsPort: number;
  let metricsPort: number;
  let dns: string;
  let metrics: string;
  const sizes: number[] = [];

  beforeAll(async () => {
    [dnsPort, metricsPort] = [await freePort(), await freePort()];
    dns = `dns://:${dnsPort}`;
    const corefile = `
.:${dnsPort} {
    prometheus 127.0.0.1:${metricsPort}
    errors
    zoneecho
}
explode.test:${dnsPort} {
    prometheus 127.0.0.1:${metricsPort}
    explode
}
`;
    server = await startTestServer(corefile, { extraPlugins: fixturePlugins });
    const queries = [
      dig('a.example.org', { port: dnsPort, type: 'TXT' }),
      dig('b.example.org', { port: dnsPort, type: 'TXT', tcp: true }),
      dig('c.example.org', { port: dnsPort, type: 'A', flags: ['+dnssec'] }),
      dig('d.example.org', { port: dnsPort, type: 'NAPTR', server: '::1' }),
      dig('sync.explode.test', { port: dnsPort, type: 'TXT' }),
      dig('fine.explode.test', { port: dnsPort, type: 'TXT' }),
    ];
    for (const result of await Promise.all(queries)) sizes.push(responseBytes(result));
    const scraped = await httpGet(metricsPort, '/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.contentType).toContain('text/plain; version=0.0.4');
    metrics = scraped.body;
  });
  afterAll(async () => server?.stop());

  it('counts requests by server, zone, proto, family and type', () => {
    const labels = { server: dns, zone: '.', view: '' };
    expect(sample(metrics, 'coredns_dns_requests_total', { ...labels, proto: 'udp', family: '1', type: 'TXT' })).toBe(1);
    expect(sample(metrics, 'coredns_dns_requests_total', { ...labels, proto: 'tcp', family: '1', type: 'TXT' })).toBe(1);
    expect(sample(metrics, 'coredns_dns_requests_total', { ...labels, proto: 'udp', family: '1', type: 'A' })).toBe(1);
    expect(sample(metrics, 'coredns_dns_requests_total', { ...labels, proto: 'udp', family: '2', type: 'other' })).toBe(1);
    const explode = { server: dns, zone: 'explode.test.', view: '' };
    expect(sample(metrics, 'coredns_dns_requests_total', { ...explode, proto: 'udp', family: '1', type: 'TXT' })).toBe(2);
  });

  it('counts responses by rcode and the plugin that wrote them, none for a failure', () => {
    const labels = { server: dns, zone: '.', view: '' };
    expect(sample(metrics, 'coredns_dns_responses_total', { ...labels, rcode: 'NOERROR', plugin: 'zoneecho' })).toBe(4);
    const explode = { server: dns, zone: 'explode.test.', view: '' };
    expect(sample(metrics, 'coredns_dns_responses_total', { ...explode, rcode: 'SERVFAIL', plugin: '' })).toBe(1);
    expect(sample(metrics, 'coredns_dns_responses_total', { ...explode, rcode: 'NOERROR', plugin: 'explode' })).toBe(1);
  });

  it('counts DO queries, and observes sizes and durations for every query', () => {
    expect(sample(metrics, 'coredns_dns_do_requests_total', { server: dns, zone: '.', view: '' })).toBe(1);
    const zones = ['.', 'explode.test.'];
    const responseSum = zones
      .flatMap((zone) => ['udp', 'tcp'].map((proto) => sample(metrics, 'coredns_dns_response_size_bytes_sum', { server: dns, zone, view: '', proto }) ?? 0))
      .reduce((a, b) => a + b, 0);
    expect(responseSum).toBe(sizes.reduce((a, b) => a + b, 0));
    const durations = zones.map((zone) => sample(metrics, 'coredns_dns_request_duration_seconds_count', { server: dns, zone, view: '' }));
    expect(durations).toEqual([4, 2]);
    const udpRequests = sample(metrics, 'coredns_dns_request_size_bytes_count', { server: dns, zone: '.', view: '', proto: 'udp' });
    expect(udpRequests).toBe(3);
    expect(sample(metrics, 'coredns_dns_request_size_bytes_bucket', { server: dns, zone: '.', view: '', proto: 'udp', le: '0' })).toBe(0);
    expect(sample(metrics, 'coredns_dns_request_duration_seconds_bucket', { server: dns, zone: '.', view: '', le: '8.192' })).toBe(4);
  });

  it('reports the enabled plugins of each block, build info and process metrics', () => {
    for (const name of ['prometheus', 'errors', 'zoneecho']) {
      expect(sample(metrics, 'coredns_plugin_enabled', { server: dns, zone: '.', view: '', name })).toBe(1);
    }
    expect(sample(metrics, 'coredns_plugin_enabled', { server: dns, zone: 'explode.test.', view: '', name: 'explode' })).toBe(1);
    expect(sample(metrics, 'coredns_plugin_enabled', { server: dns, zone: '.', view: '', name: 'explode' })).toBeUndefined();
    expect(metrics).toMatch(/^coredns_build_info\{version="[\d.]+",revision="",goversion="v\d+\.\d+\.\d+"\} 1$/m);
    expect(sample(metrics, 'coredns_panics_total')).toBe(0);
    expect(metrics).toContain('\nprocess_resident_memory_bytes ');
    expect(metrics).toContain('\nprocess_cpu_seconds_total ');
  });

  it('answers 404 off /metrics', async () => {
    expect((await httpGet(metricsPort, '/')).status).toBe(404);
  });
});

describe('prometheus: queries refused before any plugin', () => {
  it('are counted under zone "dropped", as CoreDNS counts them', async () => {
    const [dnsPort, metricsPort] = [await freePort(), await freePort()];
    const server = await startTestServer(`example.org:${dnsPort} {\n prometheus 127.0.0.1:${metricsPort}\n zoneecho\n}\n`, {
      extraPlugins: fixturePlugins,
    });
    try {
      expect((await dig('x.example.net', { port: dnsPort, type: 'TXT' })).status).toBe('REFUSED');
      expect((await dig('x.example.org', { port: dnsPort, type: 'TXT', class: 'CH' })).status).toBe('REFUSED');
      const metrics = (await httpGet(metricsPort, '/metrics')).body;
      const labels = { server: `dns://:${dnsPort}`, zone: 'dropped', view: '' };
      expect(sample(metrics, 'coredns_dns_requests_total', { ...labels, proto: 'udp', family: '1', type: 'TXT' })).toBe(2);
      expect(sample(metrics, 'coredns_dns_responses_total', { ...labels, rcode: 'REFUSED', plugin: '' })).toBe(2);
      expect(sample(metrics, 'coredns_dns_request_duration_seconds_count', labels)).toBe(2);
      expect(sample(metrics, 'coredns_dns_requests_total', { ...labels, zone: 'example.org.', proto: 'udp', family: '1', type: 'TXT' })).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});
