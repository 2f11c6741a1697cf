/**
 * Whether the server died of memory: OOM-killed by the kernel at its cgroup's limit, or stopped by
 * V8 reaching its heap limit (which the server sizes below the cgroup's limit). Either is a
 * measurement ("it does not fit"), not a failure of the run; any other death is.
 */
import { wasOomKilled, type CgroupVersion, type OomCounters } from './cgroup.ts';
import type { ServerDeath, RunPhase } from './report.ts';

export interface Ending {
  readonly signal: string | null;
  readonly exitCode: number | null;
  /** The cgroup's counters once the server ended; null when it ran without one. */
  readonly cgroup: { readonly version: CgroupVersion; readonly counters: OomCounters } | null;
  /** The server's output (its last lines are enough). */
  readonly output: string;
}

/** What V8 prints when it aborts at its heap limit. */
const HEAP_LIMIT = /Reached heap limit|JavaScript heap out of memory/;

function counterEvidence(version: CgroupVersion, counters: OomCounters): string {
  if (counters.oomKills !== null) return `${version === 1 ? 'memory.oom_control' : 'memory.events'} oom_kill ${counters.oomKills}`;
  return `${version === 1 ? 'memory.failcnt' : 'memory.events max'} ${counters.failcnt ?? '?'} (this kernel counts no OOM kills)`;
}

/** The death of memory this ending was, or null when it was not one. */
export function memoryDeath(ending: Ending, phase: RunPhase): ServerDeath | null {
  const how = ending.signal ?? `exit ${ending.exitCode ?? '?'}`;
  if (ending.cgroup && wasOomKilled(ending.signal, ending.cgroup.counters)) {
    return { cause: 'oom-kill', phase, evidence: `${how}; ${counterEvidence(ending.cgroup.version, ending.cgroup.counters)}` };
  }
  const line = ending.output.split('\n').find((text) => HEAP_LIMIT.test(text));
  if (line !== undefined && (ending.signal !== null || (ending.exitCode ?? 0) !== 0)) {
    return { cause: 'heap-limit', phase, evidence: `${how}; it printed ${JSON.stringify(line.trim())}` };
  }
  return null;
}
