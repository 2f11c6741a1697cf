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

const MiB = 2 ** 20;
/** A limit this large is no limit (cgroups report "max" as a huge number). */
const NO_LIMIT_BYTES = 2 ** 50;
/**
 * What the main thread may need (footprint, 2 threads, medians after a burst: 10k services with
 * 50k pods 157 MB resident of which ~53 MB node's shared file pages), and what each worker adds
 * (16-22 MB over 10k services after a burst).
 */
const MAIN_THREAD_MIB = 128;
const WORKER_MIB = 24;

/** The threads a memory limit affords: the main thread, and a worker for each WORKER_MIB left. */
export function threadsForMemory(limitBytes: number): number {
  if (!(limitBytes > 0) || limitBytes >= NO_LIMIT_BYTES) return Infinity;
  return 1 + Math.max(0, Math.floor((limitBytes / MiB - MAIN_THREAD_MIB) / WORKER_MIB));
}

/**
 * How many threads answer queries when `-workers` is not given: the CPUs this process may run on
 * (its affinity) and its cgroup's CPU quota allows, rounded down, at least 1; and no more than
 * its memory limit affords, since the coredns Deployment sets no CPU limit but 170Mi of memory,
 * and one thread per core of a large node would not fit (2 threads at 170Mi).
 */
export function defaultWorkerCount(
  affinityCpus = availableParallelism(),
  quota = cgroupCpuQuota(),
  memoryLimitBytes = process.constrainedMemory(),
): number {
  const cpus = quota === null ? affinityCpus : Math.min(affinityCpus, quota);
  return Math.max(1, Math.min(Math.floor(cpus), threadsForMemory(memoryLimitBytes)));
}

/**
 * The threads the command line asks for (`-workers N`, `--workers=N`, else CLUSTERDNS_WORKERS),
 * else the default: what the process is relaunched for, before the command line is parsed (which
 * reports a bad value; here it counts as the default).
 */
export function launchThreads(args: readonly string[], env: NodeJS.ProcessEnv): number {
  let text = env['CLUSTERDNS_WORKERS'];
  for (let i = 0; i < args.length; i++) {
    const match = /^--?workers(?:=(.*))?$/.exec(args[i]!);
    if (match !== null) text = match[1] ?? args[i + 1];
  }
  const threads = text !== undefined && /^\d+$/.test(text) ? Number(text) : 0;
  return threads >= 1 ? threads : defaultWorkerCount();
}
