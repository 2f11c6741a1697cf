import { describe, expect, it } from 'vitest';
import { parseHeapMetrics, metricValue } from '../../scripts/footprint/http.ts';
import { parseStatusMemory, treeMemory } from '../../scripts/footprint/procfs.ts';
import { formatReport, formatRow, limitLine, markdownTable, MB, verdict, type FootprintRow } from '../../scripts/footprint/report.ts';

function row(overrides: Partial<FootprintRow> = {}): FootprintRow {
  const memory = (rssMb: number, hwmMb: number) => ({ rssBytes: rssMb * MB, hwmBytes: hwmMb * MB, pids: [1] });
  return {
    size: 'large',
    services: 10_000,
    endpoints: 50_000,
    pods: 0,
    podsMode: 'insecure',
    autopath: false,
    syncMs: 1500,
    syncCpu: { server: 1.2, apiServer: 0.8, other: 0.1 },
    afterSync: { memory: memory(100, 105), heap: { heapUsedBytes: 40 * MB } },
    afterBurst: { memory: memory(110, 120), heap: { heapUsedBytes: 45 * MB } },
    burst: {
      sent: 200_000, answered: 200_000, lost: 0, unexpected: 0, truncated: 0, elapsedMs: 10_000, qps: 20_000, timeLimited: false,
      replies: { answer: 130_000, nxdomain: 50_000, nodata: 20_000, other: 0 },
    },
    formulaMb: 114,
    formulaPods: 50_000,
    target: { rssMb: 114, syncMs: 2000 },
    apiServer: {
      kubeconfig: '/tmp/k', seedMs: 2700, rssBytes: 300 * MB,
      objects: { namespace: 52, service: 10_000, endpointslice: 10_000, pod: 0 },
      meanBytes: { namespace: 400, service: 2200, endpointslice: 3000, pod: 0 },
    },
    stopped: { ms: 5050, killed: false },
    limit: { kind: 'cgroup', text: '170Mi', bytes: 170 * MB, version: 1, dir: '/sys/fs/cgroup/memory/x', swapNote: '' },
    cgroup: { counters: { oomKills: 0, failcnt: 3 }, peakBytes: 131 * MB, peakFile: 'memory.max_usage_in_bytes' },
    death: null,
    ...overrides,
  };
}

describe('the footprint report', () => {
  it('gives one row per size with sizes in MB, the formula, the ratio and the verdict', () => {
    expect(formatRow(row())).toEqual([
      'large', '10k / 50k / 0', '1.50 s', '100.0', '110.0', '120.0', '40.0 / 45.0', '200000 / 0 / 20000', '114.0', '0.96', '≤ 114 MB, sync < 2 s', 'yes',
    ]);
  });

  it('says why a target does not hold', () => {
    expect(verdict(row({ syncMs: 2500 }))).toBe('no (sync 2.50 s)');
    const big = row({ afterBurst: { memory: { rssBytes: 250 * MB, hwmBytes: 260 * MB, pids: [1] }, heap: null } });
    expect(verdict(big)).toBe('no (RSS 250 > 114)');
    expect(verdict(row({ burst: { ...row().burst!, lost: 3 } }))).toBe('no (3 lost)');
  });

  it('judges RSS after sync when there was no burst, and shows "-" for what is unknown', () => {
    const noBurst = row({ afterBurst: null, burst: null, afterSync: { memory: { rssBytes: 120 * MB, hwmBytes: 130 * MB, pids: [1] }, heap: null } });
    const cells = formatRow(noBurst);
    expect(cells[4]).toBe('-');
    expect(cells[5]).toBe('130.0');
    expect(cells[6]).toBe('-');
    expect(cells[7]).toBe('-');
    expect(cells[11]).toBe('no (RSS 120 > 114)');
    expect(formatRow(row({ autopath: true, formulaMb: 296 }))[8]).toBe('296.0 (autopath)');
  });

  it('prints a markdown table, the units and the seeding figures', () => {
    const text = formatReport([row(), row({ size: 'small' })]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\| size +\| services \/ endpoints \/ pods \|/);
    expect(lines[1]).toMatch(/^\|-+\|/);
    expect(lines[2]!.length).toBe(lines[0]!.length);
    expect(text).toContain('MB = 2^20 bytes');
    expect(text).toContain('fake API server seeded 52 namespaces (~0.4 KB each), 10000 services (~2.1 KB each), 10000 endpointslices (~2.9 KB each) in 2.70 s');
    expect(text).toContain('CPU during sync: server 1.20 s, fake API server 0.80 s, other processes 0.10 s.');
    expect(text).toContain('all as expected');
  });

  it('says which memory limit the server ran under, and what its cgroup saw', () => {
    const text = formatReport([row()]);
    expect(text).toContain('memory limit: 170Mi (cgroup v1)');
    expect(text).toContain('cgroup /sys/fs/cgroup/memory/x: peak 131.0 MB (memory.max_usage_in_bytes: what was charged to the cgroup, page cache');
    expect(text).toContain('VmHWM 120.0 MB; memory.failcnt 3, oom_kill 0.');
    const none = row({ limit: { kind: 'none', reason: 'cgroup not writable: EROFS' }, cgroup: null });
    expect(limitLine([none, none])).toBe('memory limit: none (cgroup not writable: EROFS)');
    expect(limitLine([row(), none])).toBe('memory limit: large 170Mi (cgroup v1); large none (cgroup not writable: EROFS)');
    expect(formatReport([none])).not.toContain('cgroup /');
  });

  it('shows an OOM kill in the holds column, with "-" for what came after it', () => {
    const killed = row({
      afterBurst: null,
      burst: null,
      stopped: null,
      death: { cause: 'oom-kill', phase: 'the burst', evidence: 'SIGKILL; memory.oom_control oom_kill 1' },
      cgroup: { counters: { oomKills: 1, failcnt: 40 }, peakBytes: 170 * MB, peakFile: 'memory.max_usage_in_bytes' },
    });
    expect(formatRow(killed)).toEqual([
      'large', '10k / 50k / 0', '1.50 s', '100.0', '-', '-', '40.0 / -', '-', '114.0', '-', '≤ 114 MB, sync < 2 s', 'no (OOM-killed at 170Mi during the burst)',
    ]);
    const text = formatReport([killed]);
    expect(text).toContain('The server died during the burst: OOM-killed (SIGKILL; memory.oom_control oom_kill 1)');
    expect(text).toContain('VmHWM - (the server died after the last reading)');
    expect(text).not.toContain('Server stopped');
    const inSync = row({ syncMs: null, syncCpu: null, afterSync: null, afterBurst: null, burst: null, stopped: null, death: { cause: 'heap-limit', phase: 'sync', evidence: 'SIGABRT' } });
    expect(formatRow(inSync).slice(2, 8)).toEqual(['-', '-', '-', '-', '-', '-']);
    expect(verdict(inSync)).toBe('no (V8 heap limit reached at 170Mi during sync)');
    const whileStopping = row({ death: { cause: 'oom-kill', phase: 'stopping', evidence: 'SIGKILL' } });
    expect(formatRow(whileStopping)[5]).toBe('120.0');
    expect(verdict(whileStopping)).toBe('no (OOM-killed at 170Mi during stopping)');
  });

  it('pads markdown cells to their column', () => {
    expect(markdownTable(['a', 'bb'], [['ccc', 'd']])).toBe('| a   | bb |\n|-----|----|\n| ccc | d  |');
  });
});

describe('reading memory', () => {
  it('takes VmRSS and VmHWM from /proc/PID/status in kB', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t7\n';
    expect(parseStatusMemory(status)).toEqual({ rssBytes: 100 * MB, hwmBytes: 200 * MB });
    expect(() => parseStatusMemory('Name:\tkthread\n')).toThrow(/VmRSS/);
  });

  it('reads this process', async () => {
    const memory = await treeMemory(process.pid);
    expect(memory.pids).toContain(process.pid);
    expect(memory.rssBytes).toBeGreaterThan(10 * MB);
    expect(memory.hwmBytes).toBeGreaterThanOrEqual(memory.rssBytes);
  });

  it("finds Node's heap in prom-client's default metrics", () => {
    const text = [
      '# HELP nodejs_heap_size_total_bytes Process heap size from Node.js in bytes.',
      '# TYPE nodejs_heap_size_total_bytes gauge',
      'nodejs_heap_size_total_bytes 52428800',
      'nodejs_heap_size_used_bytes 41943040',
      'nodejs_heap_space_size_used_bytes{space="old"} 1',
      'nodejs_external_memory_bytes 1048576',
    ].join('\n');
    expect(parseHeapMetrics(text)).toEqual({ heapUsedBytes: 40 * MB, heapTotalBytes: 50 * MB, externalBytes: MB });
    expect(metricValue(text, 'nodejs_heap_space_size_used_bytes')).toBeUndefined();
    expect(parseHeapMetrics('coredns_build_info{version="1"} 1')).toBeNull();
  });
});
