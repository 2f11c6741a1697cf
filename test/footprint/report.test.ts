import { describe, expect, it } from 'vitest';
import { parseHeapMetrics, metricValue } from '../../scripts/footprint/http.ts';
import { parseStatusMemory, treeMemory } from '../../scripts/footprint/procfs.ts';
import {
  formatReport, formatRow, formatSummaryRow, groupRuns, limitLine, markdownTable, MB, runLabel, spread, spreadText, summarizeRuns, verdict, type FootprintRow, type SizeRuns,
} from '../../scripts/footprint/report.ts';

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
    expect(limitLine([row({ size: 'small' }), none])).toBe('memory limit: small 170Mi (cgroup v1); large none (cgroup not writable: EROFS)');
    expect(limitLine([row(), none])).toBe('memory limit: large run 1 170Mi (cgroup v1); large run 2 none (cgroup not writable: EROFS)');
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

/** A run of `large` after which the server held `rssAfterBurstMb`. */
function run(syncMs: number, rssAfterSyncMb: number, rssAfterBurstMb: number, hwmMb: number, heapMb: [number, number], lost = 0): FootprintRow {
  return row({
    syncMs,
    afterSync: { memory: { rssBytes: rssAfterSyncMb * MB, hwmBytes: hwmMb * MB, pids: [1] }, heap: { heapUsedBytes: heapMb[0] * MB } },
    afterBurst: { memory: { rssBytes: rssAfterBurstMb * MB, hwmBytes: hwmMb * MB, pids: [1] }, heap: { heapUsedBytes: heapMb[1] * MB } },
    burst: { ...row().burst!, answered: 200_000 - lost, lost },
  });
}

function sizeRuns(...runs: [FootprintRow, ...FootprintRow[]]): SizeRuns {
  return { size: runs[0].size, runs };
}

describe('medians over a size\'s runs', () => {
  it('takes the middle figure of an odd count, the mean of the middle two of an even one, and the range', () => {
    expect(spread([130, 100, 110])).toEqual({ median: 110, min: 100, max: 130, count: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, count: 4 });
    expect(spread([7])).toEqual({ median: 7, min: 7, max: 7, count: 1 });
    expect(spread([null, 5, null, 9])).toEqual({ median: 7, min: 5, max: 9, count: 2 });
    expect(spread([null, null])).toBeNull();
    expect(spread([])).toBeNull();
  });

  it('writes a figure as median (min-max), and says how many runs had it when not all did', () => {
    expect(spreadText({ median: 110 * MB, min: 100 * MB, max: 130 * MB, count: 3 }, 3, (bytes) => (bytes / MB).toFixed(1))).toBe('110.0 (100.0-130.0)');
    expect(spreadText({ median: 1500, min: 1400, max: 1700, count: 2 }, 3, (ms) => (ms / 1000).toFixed(2), ' s')).toBe('1.50 s (1.40-1.70; 2 of 3 runs)');
    expect(spreadText(null, 3, String)).toBe('-');
  });

  it('names runs only when a size has more than one', () => {
    expect(runLabel('small', 1, 1)).toBe('small');
    expect(runLabel('large+pods', 2, 3)).toBe('large+pods run 2');
    const groups = groupRuns([row({ size: 'small' }), row({ size: 'small' }), row()]);
    expect(groups.map((group) => [group.size, group.runs.length])).toEqual([['small', 2], ['large', 1]]);
  });

  it('summarizes sync, RSS after sync and after the burst, peak and heap, and judges holds on the medians', () => {
    const group = sizeRuns(run(1500, 100, 110, 120, [40, 45]), run(1700, 95, 130, 140, [38, 50]), run(1400, 105, 100, 118, [42, 44]));
    expect(formatSummaryRow(group)).toEqual([
      'large median (min-max), 3 runs',
      '10k / 50k / 0',
      '1.50 s (1.40-1.70)',
      '100.0 (95.0-105.0)',
      '110.0 (100.0-130.0)',
      '120.0 (118.0-140.0)',
      '40.0 (38.0-42.0) / 45.0 (44.0-50.0)',
      '0 lost in 3 bursts',
      '114.0',
      '0.96',
      '≤ 114 MB, sync < 2 s',
      'yes',
    ]);
    // One run above the target does not fail the size: its median is under it.
    expect(verdict(group.runs[1]!)).toBe('no (RSS 130 > 114)');
    const summary = summarizeRuns(group);
    expect(summary.rssAfterBurstBytes).toEqual({ median: 110 * MB, min: 100 * MB, max: 130 * MB, count: 3 });
    expect(summary.judgedRssBytes?.median).toBe(110 * MB);
    expect(summary.heapUsedAfterBurstBytes).toEqual({ median: 45 * MB, min: 44 * MB, max: 50 * MB, count: 3 });
    expect(summary.lost).toBe(0);
  });

  it('fails on a median over the target, a slow median sync, and any run\'s lost queries', () => {
    expect(summarizeRuns(sizeRuns(run(1500, 100, 120, 130, [40, 45]), run(1500, 100, 116, 130, [40, 45]))).holds).toBe('no (median RSS 118 > 114)');
    expect(summarizeRuns(sizeRuns(run(1900, 100, 110, 130, [40, 45]), run(2300, 100, 110, 130, [40, 45]))).holds).toBe('no (median sync 2.10 s)');
    const losing = sizeRuns(run(1500, 100, 110, 120, [40, 45], 3), run(1500, 100, 110, 120, [40, 45]), run(1500, 100, 110, 120, [40, 45], 2));
    expect(summarizeRuns(losing).holds).toBe('no (5 lost in runs 1, 3)');
    expect(formatSummaryRow(losing)[7]).toBe('5 lost in 3 bursts');
    expect(summarizeRuns(sizeRuns(run(1500, 100, 110, 120, [40, 45], 1), run(1500, 100, 110, 120, [40, 45]))).holds).toBe('no (1 lost in run 1)');
  });

  it('reports a run that died, and takes the figures it lacks from the runs that have them', () => {
    const killed = row({
      afterBurst: null,
      burst: null,
      stopped: null,
      death: { cause: 'oom-kill', phase: 'the burst', evidence: 'SIGKILL; memory.oom_control oom_kill 1' },
    });
    const group = sizeRuns(run(1500, 100, 110, 120, [40, 45]), killed, run(1700, 104, 112, 124, [42, 47]));
    const cells = formatSummaryRow(group);
    expect(cells[3]).toBe('100.0 (100.0-104.0)');
    expect(cells[4]).toBe('111.0 (110.0-112.0; 2 of 3 runs)');
    expect(cells[5]).toBe('122.0 (120.0-124.0; 2 of 3 runs)');
    expect(cells[7]).toBe('0 lost in 2 bursts');
    expect(cells[11]).toBe('no (run 2 OOM-killed at 170Mi during the burst)');
  });

  it('summarizes runs without a burst on RSS after sync', () => {
    const quiet = (rssMb: number) => row({ afterBurst: null, burst: null, afterSync: { memory: { rssBytes: rssMb * MB, hwmBytes: 130 * MB, pids: [1] }, heap: { heapUsedBytes: 40 * MB } } });
    const cells = formatSummaryRow(sizeRuns(quiet(100), quiet(120)));
    expect(cells.slice(3, 10)).toEqual(['110.0 (100.0-120.0)', '-', '130.0 (130.0-130.0)', '40.0 (40.0-40.0)', '-', '114.0', '0.96']);
    expect(cells[11]).toBe('yes');
  });

  it('prints every run, then the size\'s medians, and says how to read them', () => {
    const text = formatReport([run(1500, 100, 110, 120, [40, 45]), run(1700, 95, 130, 140, [38, 50]), row({ size: 'small' })]);
    const lines = text.split('\n');
    expect(lines.slice(2, 5).map((line) => line.split('|')[1]!.trim())).toEqual(['large run 1', 'large run 2', 'large median (min-max), 2 runs']);
    expect(lines[5]).toMatch(/^\| small +\| /);
    expect(lines[4]).toContain('| 120.0 (110.0-130.0) |');
    expect(new Set(lines.slice(0, 6).map((line) => line.length)).size).toBe(1);
    expect(text).toContain('median (min-max) rows: each figure over the size\'s runs');
    expect(text).toContain('- large run 2: fake API server seeded');
    expect(text).toContain('\n- small: fake API server seeded');
  });

  it('prints a size measured once as it always has', () => {
    const text = formatReport([row()]);
    expect(text).not.toContain('median');
    expect(text).not.toContain(' run 1');
    expect(text.split('\n')[2]).toMatch(/^\| large \| 10k \/ 50k \/ 0 /);
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
