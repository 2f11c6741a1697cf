import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cgroupCpuQuota, defaultWorkerCount, launchThreads, ownCgroupCpuFiles, threadsForMemory } from './cpus.ts';

describe('the default worker count', () => {
  it('takes the lesser of the affinity and the quota, rounded down, at least 1', () => {
    expect(defaultWorkerCount(8, null, 0)).toBe(8);
    expect(defaultWorkerCount(8, 2.5, 0)).toBe(2);
    expect(defaultWorkerCount(2, 4, 0)).toBe(2);
    expect(defaultWorkerCount(4, 0.5, 0)).toBe(1);
  });

  it("stays within what the memory limit affords: 2 threads under the coredns Deployment's 170Mi", () => {
    const Mi = 2 ** 20;
    expect(threadsForMemory(170 * Mi)).toBe(2);
    expect(threadsForMemory(128 * Mi)).toBe(1);
    expect(threadsForMemory(100 * Mi)).toBe(1);
    expect(threadsForMemory(256 * Mi)).toBe(6);
    expect(threadsForMemory(0)).toBe(Infinity);
    expect(threadsForMemory(2 ** 60)).toBe(Infinity);
    expect(defaultWorkerCount(16, null, 170 * Mi)).toBe(2);
    expect(defaultWorkerCount(1, null, 512 * Mi)).toBe(1);
  });

  it("reads the quota from the process's own cgroup, v2 or v1", () => {
    expect(ownCgroupCpuFiles('0::/kubepods/pod1/c1\n').v2Max).toBe('/sys/fs/cgroup/kubepods/pod1/c1/cpu.max');
    expect(ownCgroupCpuFiles('0::/\n').v2Max).toBe('/sys/fs/cgroup/cpu.max');
    expect(ownCgroupCpuFiles('4:cpu,cpuacct:/docker/abc\n1:name=systemd:/\n').v1Quota).toBe('/sys/fs/cgroup/cpu/docker/abc/cpu.cfs_quota_us');
    const dir = mkdtempSync(join(tmpdir(), 'clusterdns-cpus-'));
    try {
      const files = { v2Max: join(dir, 'cpu.max'), v1Quota: join(dir, 'quota'), v1Period: join(dir, 'period') };
      writeFileSync(files.v1Quota, '-1\n');
      writeFileSync(files.v1Period, '100000\n');
      expect(cgroupCpuQuota(files)).toBeNull();
      writeFileSync(files.v1Quota, '150000\n');
      expect(cgroupCpuQuota(files)).toBe(1.5);
      writeFileSync(files.v2Max, 'max 100000\n');
      expect(cgroupCpuQuota(files)).toBeNull();
      writeFileSync(files.v2Max, '300000 100000\n');
      expect(cgroupCpuQuota(files)).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the thread count the command line will ask for before it is parsed: flag, then environment, then default', () => {
    expect(launchThreads(['-conf', 'Corefile', '-workers', '3'], {})).toBe(3);
    expect(launchThreads(['--workers=4'], { CLUSTERDNS_WORKERS: '2' })).toBe(4);
    expect(launchThreads([], { CLUSTERDNS_WORKERS: '2' })).toBe(2);
    expect(launchThreads(['-workers', 'x'], {})).toBe(defaultWorkerCount());
  });
});
