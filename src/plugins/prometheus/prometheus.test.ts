import { describe, expect, it } from 'vitest';
import { RRType } from '../../dns/constants.ts';
import { silentLogger } from '../../log.ts';
import { renderMetrics } from '../../metrics/registry.ts';
import { rcodeLabel, TYPE_LABELS, typeSlot } from '../../metrics/dns-labels.ts';
import { directive } from '../../test-support/corefile.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { setupContext } from '../../test-support/setup-context.ts';
import { metricsExporterOffer } from '../../toolkit/offers.ts';
import { setupPrometheus } from './index.ts';
import { parsePrometheus } from './parse.ts';
import { DnsRecorder } from './recorder.ts';

describe('prometheus parse', () => {
  it('defaults to localhost:9153 and accepts runtime_metrics', () => {
    expect(parsePrometheus(directive('prometheus'))).toEqual({ address: 'localhost:9153' });
    expect(parsePrometheus(directive('prometheus :9253 {\n runtime_metrics\n}'))).toEqual({ address: ':9253' });
  });

  it('refuses bad addresses, tls and unknown options, naming the line', () => {
    expect(() => parsePrometheus(directive('prometheus 9153'))).toThrow('Corefile:2 - Error during parsing: prometheus: address 9153: missing port in address');
    expect(() => parsePrometheus(directive('prometheus {\n tls web.yaml\n}'))).toThrow('Corefile:3');
    expect(() => parsePrometheus(directive('prometheus {\n fancy\n}'))).toThrow('prometheus: unknown option: fancy');
  });
});

describe('prometheus setup', () => {
  it("offers its block an exporter that runs the other plugins' collectors at each scrape", async () => {
    const context = setupContext();
    setupPrometheus({ address: '127.0.0.1:0' }, context);
    let runs = 0;
    const remove = metricsExporterOffer.find(context)!.addCollector(() => runs++);
    await renderMetrics(silentLogger);
    remove();
    await renderMetrics(silentLogger);
    expect(runs).toBe(1);
  });
});

describe('labels', () => {
  it("names CoreDNS's monitored types and calls the rest other", () => {
    expect(TYPE_LABELS[typeSlot(RRType.AAAA)]).toBe('AAAA');
    expect(TYPE_LABELS[typeSlot(65)]).toBe('HTTPS');
    expect(TYPE_LABELS[typeSlot(RRType.HINFO)]).toBe('other');
    expect([0, 3, 5, 16, 99].map(rcodeLabel)).toEqual(['NOERROR', 'NXDOMAIN', 'REFUSED', 'BADSIG', 'RCODE99']);
  });
});

describe('DnsRecorder', () => {
  it('keeps one set of cells per server and zone, and counts into them', async () => {
    const recorder = new DnsRecorder();
    const request = requestFor(queryFor('x.unit.test', RRType.SRV), { server: 'dns://:5353', zone: 'unit.test', transport: 'tcp', remoteAddress: '2001:db8::1' });
    const cells = recorder.cellsFor(request);
    expect(recorder.cellsFor({ ...request })).toBe(cells);
    cells.countRequest(request.query, request.transport, request.remoteAddress);
    cells.countRequest(request.query, request.transport, request.remoteAddress);
    cells.countResponse('tcp', 3, 'kubernetes', 120);
    const text = await renderMetrics(silentLogger);
    const labels = 'server="dns://:5353",zone="unit.test.",view=""';
    expect(text).toContain(`coredns_dns_requests_total{${labels},proto="tcp",family="2",type="SRV"} 2`);
    expect(text).toContain(`coredns_dns_responses_total{${labels},rcode="NXDOMAIN",plugin="kubernetes"} 1`);
    expect(text).toContain(`coredns_dns_response_size_bytes_sum{${labels},proto="tcp"} 120`);
    expect(text).not.toContain(`coredns_dns_do_requests_total{${labels}}`);
  });
});
