/**
 * Memory settings for a DNS server in a container, which must be in place before the process
 * starts: V8's heap flags and glibc's malloc arenas.
 *
 * V8's heap, sized for a DNS server in a container. V8's defaults suit a throughput-bound job on
 * a large machine: a young generation that grows to 32 MB per semi-space and stays resident after
 * a burst of queries, and an old space sized from the host's memory, not the container's. The
 * young generation here is a few MB: a query's garbage dies young and is cheap to collect either
 * way. The old space is capped below the container's memory limit so that V8 collects harder as
 * it nears the limit instead of growing into the OOM killer.
 */

import { launchThreads } from './cpus.ts';

const MiB = 2 ** 20;
/** Per semi-space; the young generation is three of them (from, to, and V8's new large objects). */
export const SEMI_SPACE_MB = 2;
/** What the process holds outside V8's heap (code, Node's own buffers, sockets), kept free of the cap. */
const OUTSIDE_HEAP_MB = 48;
/** The least old space worth running with: below this a large cluster cannot sync at all. */
const MIN_OLD_SPACE_MB = 64;
/** A limit this large is no limit (cgroups report "max" as a huge number). */
const NO_LIMIT_BYTES = 2 ** 50;

/** The flags for a process limited to `limitBytes` of memory (0 or a huge value: unlimited). */
export function heapFlags(limitBytes: number): string[] {
  const flags = [`--max-semi-space-size=${SEMI_SPACE_MB}`];
  if (limitBytes > 0 && limitBytes < NO_LIMIT_BYTES) {
    const limitMb = Math.floor(limitBytes / MiB);
    flags.push(`--max-old-space-size=${Math.max(MIN_OLD_SPACE_MB, limitMb - OUTSIDE_HEAP_MB - 3 * SEMI_SPACE_MB)}`);
  }
  return flags;
}

function flagName(flag: string): string {
  return flag.replace(/^--?/, '').split('=')[0]!.replaceAll('_', '-');
}

/**
 * glibc gives each thread that allocates its own malloc arena (up to 8 per core), and freed memory
 * stays in them: with node's helper threads, 10 MB of resident memory after a query burst over a
 * large cluster. The threads answering queries (`-workers`) do nearly all the allocating: one
 * arena each, and one more. With 2 threads, 3 arenas ran the bench's shared layout 1.06x faster
 * than 2 (3 alternating pairs) at the same footprint after a burst (151 against 155 MB, medians of 3).
 */
export function mallocArenas(threads: number): string {
  return String(threads + 1);
}

/** The environment variables that the process should start with and does not have: the operator's win. */
export function missingEnvironment(env: NodeJS.ProcessEnv, threads = 1): Record<string, string> {
  return env['MALLOC_ARENA_MAX'] === undefined ? { MALLOC_ARENA_MAX: mallocArenas(threads) } : {};
}

/** The flags of heapFlags that neither node's command line nor NODE_OPTIONS sets already: the operator's win. */
export function missingHeapFlags(execArgv: readonly string[], nodeOptions: string | undefined, limitBytes: number): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].filter((word) => word.startsWith('-')).map(flagName));
  return heapFlags(limitBytes).filter((flag) => !given.has(flagName(flag)));
}

/**
 * Re-executes this process, same PID, with whatever of the settings is missing: V8 reads its flags
 * only when the heap is created, glibc its variables only when the process starts. Returns when
 * nothing is missing, or where the platform cannot replace a process.
 */
export function relaunchWithMemorySettings(): void {
  const flags = missingHeapFlags(process.execArgv, process.env['NODE_OPTIONS'], process.constrainedMemory());
  const env = missingEnvironment(process.env, launchThreads(process.argv.slice(2), process.env));
  if ((flags.length === 0 && Object.keys(env).length === 0) || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, ...env });
}
