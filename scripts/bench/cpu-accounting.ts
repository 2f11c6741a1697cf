/**
 * Who used the CPU during a measurement. Other workloads may share the machine; a run during
 * which they were busy measures them as much as the server, so every run reports the CPU of
 * processes outside the benchmark, and the runner can wait for a quiet host first.
 * Linux only (/proc); elsewhere every figure is null.
 */
import { readFile, readdir } from 'node:fs/promises';

/** /proc counts in USER_HZ, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

interface ProcessTicks {
  readonly ppid: number;
  /** utime + stime. */
  readonly ticks: number;
}

export type ProcessSnapshot = ReadonlyMap<number, ProcessTicks>;

function parseStat(text: string): { ppid: number; utime: number; stime: number; cutime: number; cstime: number } {
  // The command name may hold spaces and parentheses: the fields that follow start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]), cutime: Number(fields[13]), cstime: Number(fields[14]) };
}

/** CPU ticks of every user-space process (kernel threads, children of pid 2, left out). */
export async function snapshotProcesses(): Promise<ProcessSnapshot | null> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return null;
  }
  const snapshot = new Map<number, ProcessTicks>();
  await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map(async (entry) => {
    const pid = Number(entry);
    try {
      const stat = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
      if (pid !== 2 && stat.ppid !== 2) snapshot.set(pid, { ppid: stat.ppid, ticks: stat.utime + stat.stime });
    } catch {
      // the process ended between the listing and the read
    }
  }));
  return snapshot;
}

/** `pid` and its descendants in a snapshot. */
export function processTree(snapshot: ProcessSnapshot, pid: number): Set<number> {
  const tree = new Set<number>(snapshot.has(pid) ? [pid] : []);
  let grew = tree.size > 0;
  while (grew) {
    grew = false;
    for (const [child, info] of snapshot) {
      if (!tree.has(child) && tree.has(info.ppid)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  return tree;
}

/** CPU seconds the processes in `pids` used between two snapshots (ones born in between count whole). */
export function cpuSecondsBetween(before: ProcessSnapshot, after: ProcessSnapshot, pids: Iterable<number>): number {
  let ticks = 0;
  for (const pid of pids) {
    const end = after.get(pid)?.ticks ?? 0;
    ticks += Math.max(0, end - (before.get(pid)?.ticks ?? 0));
  }
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds of every process in `after` except `excluded`, between the snapshots. */
export function foreignCpuSeconds(before: ProcessSnapshot, after: ProcessSnapshot, excluded: ReadonlySet<number>): number {
  return cpuSecondsBetween(before, after, [...after.keys()].filter((pid) => !excluded.has(pid)));
}

/**
 * CPU seconds of this process's children that have exited and been reaped: read around a child
 * run, the difference is that child's whole CPU time, which no snapshot can catch.
 */
export async function reapedChildrenCpuSeconds(): Promise<number | null> {
  try {
    const stat = parseStat(await readFile('/proc/self/stat', 'utf8'));
    return (stat.cutime + stat.cstime) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

async function hostTicks(): Promise<{ busy: number; total: number } | null> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq! + steal!;
    return { busy, total: busy + idle! + iowait! };
  } catch {
    return null;
  }
}

/** Percent of all CPUs busy over `sampleMs`, or null off Linux. */
export async function hostBusyPercent(sampleMs: number): Promise<number | null> {
  const start = await hostTicks();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const end = await hostTicks();
  if (!start || !end || end.total === start.total) return null;
  return (100 * (end.busy - start.busy)) / (end.total - start.total);
}

/**
 * Waits until the host is at most `maxBusyPercent` busy, for at most `maxWaitSeconds`.
 * Returns the last busy figure and whether it got quiet.
 */
export async function waitForQuietHost(maxBusyPercent: number, maxWaitSeconds: number): Promise<{ quiet: boolean; busyPercent: number | null }> {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  for (;;) {
    const busyPercent = await hostBusyPercent(1000);
    if (busyPercent === null || busyPercent <= maxBusyPercent) return { quiet: true, busyPercent };
    if (Date.now() >= deadline) return { quiet: false, busyPercent };
  }
}

export async function treeRssMiB(pid: number): Promise<number | null> {
  const snapshot = await snapshotProcesses();
  if (!snapshot) return null;
  let kib = 0;
  for (const member of processTree(snapshot, pid)) {
    try {
      kib += Number(/^VmRSS:\s*(\d+)/m.exec(await readFile(`/proc/${member}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // ended meanwhile
    }
  }
  return kib / 1024;
}
