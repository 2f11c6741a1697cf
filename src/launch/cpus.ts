import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Where the CPU quota of this process's cgroup is written, by cgroup version. */
export interface CgroupCpuFiles {
  /** cgroup v2: `cpu.max` of the process's cgroup ("max 100000" or "200000 100000"). */
  readonly v2Max: string;
  /** cgroup v1: `cpu.cfs_quota_us` (-1 for none) and `cpu.cfs_period_us`. */
  readonly v1Quota: string;
  readonly v1Period: string;
}

/** The cgroup files of this process: its own cgroup's as /proc/self/cgroup names it, under the usual mounts. */
export function ownCgroupCpuFiles(procSelfCgroup: string): CgroupCpuFiles {
  let v2 = '';
  let v1 = '';
  for (const line of procSelfCgroup.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (controllers === '') v2 = path;
    else if (controllers!.split(',').includes('cpu')) v1 = path;
  }
  // In a container the cgroup namespace makes its own cgroup the root ('/').
  return {
    v2Max: `/sys/fs/cgroup${v2 === '/' ? '' : v2}/cpu.max`,
    v1Quota: `/sys/fs/cgroup/cpu${v1 === '/' ? '' : v1}/cpu.cfs_quota_us`,
    v1Period: `/sys/fs/cgroup/cpu${v1 === '/' ? '' : v1}/cpu.cfs_period_us`,
  };
}

/** The CPUs a quota allows (quota / period), or null for no quota. */
export function quotaCpus(quota: number, period: number): number | null {
  if (!(quota > 0) || !(period > 0)) return null;
  return quota / period;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The CPU quota of this process's cgroup in CPUs, or null when there is none or it cannot be read. */
export function cgroupCpuQuota(files: CgroupCpuFiles = ownCgroupCpuFiles(readOrNull('/proc/self/cgroup') ?? '')): number | null {
  const v2 = readOrNull(files.v2Max);
  if (v2 !== null) {
    const [quota, period] = v2.split(/\s+/);
    return quota === 'max' ? null : quotaCpus(Number(quota), Number(period));
  }
  const quota = readOrNull(files.v1Quota);
  const period = readOrNull(files.v1Period);
  if (quota === null || period === null) return null;
  return quotaCpus(Number(quota), Number(period));
}

/**
 * How many threads answer queries when `-workers` is not given: the CPUs this process may run on
 * (its affinity) and its cgroup's CPU quota allows, rounded down, at least 1.
 */
export function defaultWorkerCount(affinityCpus = availableParallelism(), quota = cgroupCpuQuota()): number {
  const cpus = quota === null ? affinityCpus : Math.min(affinityCpus, quota);
  return Math.max(1, Math.floor(cpus));
}
