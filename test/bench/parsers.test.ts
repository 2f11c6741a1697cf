import { describe, expect, it } from 'vitest';
import { parseDigOutput } from '../../scripts/bench/dig.ts';
import { DnsperfOutputError, parseDnsperfOutput, rcodePercent } from '../../scripts/bench/dnsperf-output.ts';
import { parseRunOptions, RunOptionsError } from '../../scripts/bench/options.ts';

// Captured from dnsperf 2.10.0 (Debian 12) against a local server.
const DNSPERF_OUTPUT = `DNS Performance Testing Tool
Version 2.10.0

[Status] Command line: dnsperf -s 127.0.0.1 -p 15353 -d /tmp/q.txt -l 2 -c 4 -T 1 -q 100 -t 2
[Status] Sending queries (to 127.0.0.1:15353)
[Status] Started at: Mon Nov 23 19:07:57 2026
[Status] Stopping after 2.000000 seconds
[Status] Testing complete (time limit)

Statistics:

  Queries sent:         80337
  Queries completed:    80330 (99.99%)
  Queries lost:         7 (0.01%)

  Response codes:       NOERROR 60248 (75.00%), NXDOMAIN 20080 (25.00%), SERVFAIL 2 (0.00%)
  Average packet size:  request 54, response 70
  Run time (s):         2.001188
  Queries per second:   40144.654075

  Average Latency (s):  0.002337 (min 0.000044, max 0.021774)
  Latency StdDev (s):   0.001307
`;

describe('dnsperf output', () => {
  it('reads counts, rates, latencies and the rcode split', () => {
    const stats = parseDnsperfOutput(DNSPERF_OUTPUT);
    expect(stats).toMatchObject({ sent: 80337, completed: 80330, lost: 7, runSeconds: 2.001188, qps: 40144.654075 });
    expect(stats.rcodes).toEqual({ NOERROR: 60248, NXDOMAIN: 20080, SERVFAIL: 2 });
    expect(stats.avgLatencyMs).toBeCloseTo(2.337, 6);
    expect(stats.minLatencyMs).toBeCloseTo(0.044, 6);
    expect(stats.maxLatencyMs).toBeCloseTo(21.774, 6);
    expect(stats.stddevLatencyMs).toBeCloseTo(1.307, 6);
    expect(rcodePercent(stats, 'NXDOMAIN')).toBeCloseTo(24.998, 2);
  });

  it('says which line is missing when dnsperf failed', () => {
    expect(() => parseDnsperfOutput('Error: cannot reread input\n')).toThrow(DnsperfOutputError);
  });
});

describe('dig output', () => {
  it('reads the status and the answers of the queried type', () => {
    const output = `;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 13625
;; flags: qr aa; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1

_http._tcp.web.shop.svc.cluster.local. 5 IN SRV	0 50 8080 web-1.web.shop.svc.cluster.local.
_http._tcp.web.shop.svc.cluster.local. 5 IN SRV	0 50 8080 web-0.web.shop.svc.cluster.local.
`;
    expect(parseDigOutput(output, 'SRV')).toEqual({
      rcode: 'NOERROR',
      answers: ['0 50 8080 web-0.web.shop.svc.cluster.local.', '0 50 8080 web-1.web.shop.svc.cluster.local.'],
    });
    expect(parseDigOutput(';; communications error: timed out\n', 'A')).toEqual({ rcode: null, answers: [] });
  });
});

describe('run options', () => {
  it('takes flags over the environment and always runs the kubernetes Corefile first', () => {
    const options = parseRunOptions(['--seconds', '3', '--corefile', 'default', '--only', 'clusterdns'], { BENCH_SECONDS: '9', BENCH_SERVICES: '50' });
    expect(options).toMatchObject({ seconds: 3, services: 50, only: 'clusterdns', variants: ['kubernetes', 'default'], port: 0 });
  });

  it('rejects bad values with the option named', () => {
    expect(() => parseRunOptions(['--only', 'bind'], {})).toThrow(RunOptionsError);
    expect(() => parseRunOptions(['--seconds', '0'], {})).toThrow(/--seconds/);
    expect(() => parseRunOptions(['--corefile', 'nope'], {})).toThrow(/unknown Corefile variant/);
  });

  it('measures in both layouts unless told which, in the order given', () => {
    expect(parseRunOptions([], {}).layouts).toEqual(['split', 'shared']);
    expect(parseRunOptions([], { BENCH_LAYOUTS: 'shared' }).layouts).toEqual(['shared']);
    expect(parseRunOptions(['--layouts', 'shared, split,shared'], { BENCH_LAYOUTS: 'split' }).layouts).toEqual(['shared', 'split']);
    expect(() => parseRunOptions(['--layouts', 'split,pinned'], {})).toThrow(RunOptionsError);
    expect(() => parseRunOptions(['--layouts', ','], {})).toThrow(/--layouts/);
  });
});
