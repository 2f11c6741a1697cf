/**
 * Memory of a process as the kernel counts it: VmRSS and VmHWM from /proc/PID/status, summed over
 * the process and its descendants (if bin/clusterdns.js ever runs the server in a child, the
 * child is what a user's container pays for). With one process, VmHWM is its exact peak; with
 * several, the sum of their peaks is an upper bound of the tree's peak. Linux only.
 */
import { readFile } from 'node:fs/promises';
import { processTree, snapshotProcesses } from '../bench/cpu-accounting.ts';

export interface StatusMemory {
  /** Resident set size now, bytes. */
  readonly rssBytes: number;
  /** Peak resident set size ("high water mark"), bytes. */
  readonly hwmBytes: number;
}

export interface TreeMemory extends StatusMemory {
  readonly pids: readonly number[];
}

/** VmRSS and VmHWM of a /proc/PID/status text (the kernel writes them in kB = 1024 bytes). */
export function parseStatusMemory(text: string): StatusMemory {
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
    if (!match) throw new Error(`no ${name} in /proc status`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: field('VmRSS'), hwmBytes: field('VmHWM') };
}

/** VmRSS and VmHWM summed over `root`'s process tree; throws when `root` cannot be read. */
export async function treeMemory(root: number): Promise<TreeMemory> {
  const snapshot = await snapshotProcesses();
  const pids = snapshot ? [...processTree(snapshot, root)] : [root];
  if (!pids.includes(root)) pids.unshift(root);
  let rssBytes = 0;
  let hwmBytes = 0;
  const counted: number[] = [];
  for (const pid of pids) {
    let memory: StatusMemory;
    try {
      memory = parseStatusMemory(await readFile(`/proc/${pid}/status`, 'utf8'));
    } catch (error) {
      if (pid === root) throw error;
      continue; // a child that ended meanwhile
    }
    rssBytes += memory.rssBytes;
    hwmBytes += memory.hwmBytes;
    counted.push(pid);
  }
  return { rssBytes, hwmBytes, pids: counted };
}
