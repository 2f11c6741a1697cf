import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { SIZE_BUCKETS, SLIM_TIME_BUCKETS, TIME_BUCKETS } from './coredns.ts';
import { acquireEndpoint, type EndpointLease } from './endpoints.ts';
import { formatExposition, formatSampleValue } from './exposition.ts';
import { GaugeFamily } from './families.ts';
import { heapSpaceLabel } from './nodejs.ts';
import { maxOpenFiles, statusBytes } from './process.ts';
import {
  counter,
  enableProcessMetrics,
  gauge,
  histogram,
  MetricConflictError,
  metricsRegistry,
  registerCollector,
  renderMetrics,
} from './registry.ts';

function linesOf(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(name));
}

describe('metric families in the registry', () => {
  it('exposes counter cells with their labels, and an unlabelled counter at 0 before any count', async () => {
    const family = counter({ name: 'test_hits_total', help: 'Hits.', labelNames: ['zone', 'type'] });
    const a = family.cell('example.org.', 'A');
    a.inc();
    a.inc(2);
    family.cell('example.org.', 'AAAA').inc();
    counter({ name: 'test_unlabelled_total', help: 'Nothing yet.', labelNames: [] });
    const text = await renderMetrics(silentLogger);
    expect(text).toContain('# HELP test_hits_total Hits.\n# TYPE test_hits_total counter\n');
    expect(linesOf(text, 'test_hits_total{')).toEqual([
      'test_hits_total{zone="example.org.",type="A"} 3',
      'test_hits_total{zone="example.org.",type="AAAA"} 1',
    ]);
    expect(linesOf(text, 'test_unlabelled_total')).toEqual(['test_unlabelled_total 0']);
  });

  it('gives back the same family and cell by name, and refuses other labels or another type', () => {
    const spec = { name: 'test_shared_total', help: 'Shared.', labelNames: ['server'] };
    expect(counter(spec)).toBe(counter(spec));
    expect(counter(spec).cell('dns://:53')).toBe(counter(spec).cell('dns://:53'));
    expect(() => counter({ ...spec, labelNames: ['zone'] })).toThrow(MetricConflictError);
    expect(() => gauge(spec)).toThrow(MetricConflictError);
    expect(() => counter(spec).cell()).toThrow('1 label names');
    expect(() => metricsRegistry.register(new GaugeFamily({ ...spec, name: 'test_shared_total' }))).toThrow(MetricConflictError);
  });

  it('writes histograms as cumulative buckets, +Inf, sum and count', async () => {
    const family = histogram({ name: 'test_size_bytes', help: 'Sizes.', labelNames: ['proto'], buckets: [100, 511] });
    const cell = family.cell('udp');
    for (const size of [40, 100, 101, 600]) cell.observe(size);
    expect(linesOf(await renderMetrics(silentLogger), 'test_size_bytes')).toEqual([
      'test_size_bytes_bucket{proto="udp",le="100"} 2',
      'test_size_bytes_bucket{proto="udp",le="511"} 3',
      'test_size_bytes_bucket{proto="udp",le="+Inf"} 4',
      'test_size_bytes_sum{proto="udp"} 841',
      'test_size_bytes_count{proto="udp"} 4',
    ]);
  });

  it('runs gauge collect hooks and registered collectors at scrape time, until unregistered', async () => {
    let size = 7;
    const family = gauge({ name: 'test_entries', help: 'Entries.', labelNames: ['kind'] }, () => family.cell('a').set(size));
    const other = gauge({ name: 'test_collected', help: 'Collected.', labelNames: [] });
    const unregister = registerCollector(() => other.cell().set(size * 2));
    expect(linesOf(await renderMetrics(silentLogger), 'test_entries{')).toEqual(['test_entries{kind="a"} 7']);
    size = 9;
    const text = await renderMetrics(silentLogger);
    expect(linesOf(text, 'test_entries{')).toEqual(['test_entries{kind="a"} 9']);
    expect(linesOf(text, 'test_collected')).toEqual(['test_collected 18']);
    unregister();
    size = 1;
    expect(linesOf(await renderMetrics(silentLogger), 'test_collected')).toEqual(['test_collected 18']);
  });

  it('renders non-finite and fractional values as Prometheus reads them', () => {
    const family = gauge({ name: 'test_odd_values', help: 'Odd.', labelNames: ['v'] });
    for (const value of [Infinity, -Infinity, NaN, 0.1 + 0.2, -3, 1e21]) family.cell(String(value)).set(value);
    expect(linesOf(renderMetrics(silentLogger), 'test_odd_values{')).toEqual([
      'test_odd_values{v="Infinity"} +Inf',
      'test_odd_values{v="-Infinity"} -Inf',
      'test_odd_values{v="NaN"} NaN',
      'test_odd_values{v="0.30000000000000004"} 0.30000000000000004',
      'test_odd_values{v="-3"} -3',
      'test_odd_values{v="1e+21"} 1e+21',
    ]);
    expect(formatSampleValue(0.00025)).toBe('0.00025');
  });

  it("has CoreDNS's buckets", () => {
    expect(TIME_BUCKETS.map(String)).toEqual([
      '0.00025', '0.0005', '0.001', '0.002', '0.004', '0.008', '0.016', '0.032',
      '0.064', '0.128', '0.256', '0.512', '1.024', '2.048', '4.096', '8.192',
    ]);
    expect(SLIM_TIME_BUCKETS.map(String)).toEqual(['0.00025', '0.0025', '0.025', '0.25', '2.5']);
    expect(SIZE_BUCKETS).toHaveLength(14);
  });
});

describe('the text exposition format', () => {
  it('escapes backslash and line feed in HELP, and also the double quote in label values', () => {
    const text = formatExposition([
      {
        name: 'test_escaped',
        help: 'Path C:\\dir\nsecond "line".',
        type: 'gauge',
        values: [{ name: 'test_escaped', labels: { path: 'a\\b', quote: 'say "hi"', lines: 'one\ntwo' }, value: 1 }],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP test_escaped Path C:\\\\dir\\nsecond "line".',
        '# TYPE test_escaped gauge',
        'test_escaped{path="a\\\\b",quote="say \\"hi\\"",lines="one\\ntwo"} 1',
        '',
      ].join('\n'),
    );
  });

  it('separates families by a blank line and ends with a line feed, as prom-client did', () => {
    const family = (name: string) => ({ name, help: 'H.', type: 'counter' as const, values: [{ name, labels: {}, value: 2 }] });
    expect(formatExposition([family('a_total'), family('b_total')])).toBe(
      '# HELP a_total H.\n# TYPE a_total counter\na_total 2\n\n# HELP b_total H.\n# TYPE b_total counter\nb_total 2\n',
    );
    expect(formatExposition([])).toBe('\n');
  });
});

describe('process and Node.js metrics', () => {
  it('are read at scrape time with plausible values', () => {
    enableProcessMetrics();
    enableProcessMetrics();
    const text = renderMetrics(silentLogger);
    const value = (name: string, labels = ''): number => {
      const lines = linesOf(text, `${name}${labels} `);
      expect(lines, name).toHaveLength(1);
      return Number(lines[0]!.split(' ')[1]);
    };
    expect(text).toContain('# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n');
    const [user, system, cpu] = ['user', 'system', ''].map((kind) => value(`process_cpu_${kind}${kind && '_'}seconds_total`));
    expect(cpu).toBeGreaterThan(0);
    expect(cpu).toBeCloseTo(user! + system!, 6);
    expect(Math.abs(value('process_start_time_seconds') - (Date.now() / 1000 - process.uptime()))).toBeLessThan(1);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20);
    expect(value('process_virtual_memory_bytes')).toBeGreaterThan(value('process_resident_memory_bytes'));
    expect(value('process_heap_bytes')).toBeGreaterThan(0);
    expect(value('process_open_fds')).toBeGreaterThan(2);
    expect(value('process_max_fds')).toBeGreaterThanOrEqual(value('process_open_fds'));
    expect(value('nodejs_heap_size_used_bytes')).toBeLessThanOrEqual(value('nodejs_heap_size_total_bytes'));
    expect(value('nodejs_external_memory_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_heap_space_size_used_bytes', '{space="old"}')).toBeGreaterThan(0);
    expect(value('nodejs_heap_space_size_total_bytes', '{space="new"}')).toBeGreaterThan(0);
    const [major, minor, patch] = process.versions.node.split('.');
    expect(linesOf(text, 'nodejs_version_info')).toEqual([
      `nodejs_version_info{version="${process.version}",major="${major}",minor="${minor}",patch="${patch}"} 1`,
    ]);
  });

  it('parse /proc/self/status, /proc/self/limits and V8 space names', () => {
    const status = 'Name:\tnode\nVmSize:\t 1000 kB\nVmRSS:\t    48 kB\nVmData:\t  300 kB\n';
    expect([statusBytes(status, 'VmSize'), statusBytes(status, 'VmRSS'), statusBytes(status, 'VmSwap')]).toEqual([1024000, 49152, undefined]);
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
    expect(maxOpenFiles(limits)).toBe(1024);
    expect(maxOpenFiles('')).toBeUndefined();
    expect(['old_space', 'new_large_object_space', 'read_only_space'].map(heapSpaceLabel)).toEqual(['old', 'new_large_object', 'read_only']);
  });
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('acquireEndpoint', () => {
  const leases: EndpointLease[] = [];
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((lease) => lease.release()));
  });

  const answer = (text: string) => (_request: unknown, response: import('node:http').ServerResponse) => response.end(text);

  it('serves several paths and leases on one listener, the newest lease of a path answering', async () => {
    const first = await acquireEndpoint('127.0.0.1:0', '/a', answer('first'));
    leases.push(first);
    const second = await acquireEndpoint('127.0.0.1:0', '/a', answer('second'));
    leases.push(second, await acquireEndpoint('127.0.0.1:0', '/b', answer('b')));
    expect(second.port).toBe(first.port);
    expect(await get(first.port, '/a?x=1')).toEqual({ status: 200, body: 'second' });
    expect(await get(first.port, '/b')).toEqual({ status: 200, body: 'b' });
    expect(await get(first.port, '/c')).toEqual({ status: 404, body: '404 page not found\n' });
    await second.release();
    expect((await get(first.port, '/a')).body).toBe('first');
  });

  it('closes the listener with its last lease', async () => {
    const lease = await acquireEndpoint('127.0.0.1:0', '/x', answer('x'));
    expect((await get(lease.port, '/x')).body).toBe('x');
    await lease.release();
    await expect(get(lease.port, '/x')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('fails with a Go-worded listen error on a taken port', async () => {
    const taken = await acquireEndpoint('127.0.0.1:0', '/x', answer('x'));
    leases.push(taken);
    const address = `localhost:${taken.port}`;
    await expect(acquireEndpoint(address, '/y', answer('y'))).rejects.toThrow(
      `listen tcp localhost:${taken.port}: bind: address already in use`,
    );
  });
});
