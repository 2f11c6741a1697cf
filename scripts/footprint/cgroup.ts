/**
 * The container's memory limit, for `npm run footprint`: the server runs inside a fresh memory
 * cgroup with the limit the coredns Deployment sets (`resources.limits.memory: 170Mi`). It
 * matters beyond the OOM killer: the server sizes V8's heap from `process.constrainedMemory()`,
 * which reads the process's cgroup, and collects harder under a limit; without one, V8 lets
 * garbage pile up and the RSS is not what a user meets.
 *
 * cgroup v1 (a `cgroup` mount with the memory controller): a child of the script's own memory
 * cgroup (else of the hierarchy's root) with `memory.limit_in_bytes`, and
 * `memory.memsw.limit_in_bytes` set equal where swap accounting exists, so that the kernel cannot
 * swap instead of reclaiming. cgroup v2: a child of the nearest cgroup, from the script's own up
 * to the root, that has (or can be given) `+memory` in `cgroup.subtree_control`, with
 * `memory.max` and `memory.swap.max` 0. The server is moved in by a shell wrapper before node
 * starts (`exec` keeps the PID the script measures). Linux only; root (or a delegated subtree).
 *
 * The parsers (sizes, /proc/self/mountinfo, /proc/self/cgroup, the OOM counters) are pure and
 * tested; the rest touches /sys/fs/cgroup.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export type CgroupVersion = 1 | 2;

/** A memory limit as given (`170Mi`) and in bytes. */
export interface MemoryLimit {
  readonly text: string;
  readonly bytes: number;
}

export const DEFAULT_MEMORY_LIMIT = '170Mi';

const UNITS: Readonly<Record<string, number>> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/**
 * A size as Kubernetes writes a memory quantity with binary suffixes: `170Mi`, `1.5Gi`, `65536Ki`,
 * or plain bytes; `none` is no limit (null). Throws on anything else and on sizes under 1 MiB
 * (no Node process starts in less).
 */
export function parseMemorySize(text: string): MemoryLimit | null {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'none') return null;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(trimmed);
  if (!match) throw new Error(`want a size such as 170Mi, 1.5Gi, 65536Ki, a number of bytes, or none; got ${JSON.stringify(text)}`);
  const bytes = Math.round(Number(match[1]) * (UNITS[match[2] ?? ''] as number));
  if (!Number.isSafeInteger(bytes) || bytes < 2 ** 20) throw new Error(`${JSON.stringify(text)} is less than 1Mi (or too large)`);
  return { text: trimmed, bytes };
}

/**
 * The shell script that moves itself into the cgroup and then becomes the command: `$0` is the
 * cgroup's `cgroup.procs`, `"$@"` the command. The path is an argument, never shell text.
 */
export const WRAPPER_SCRIPT = 'echo $$ > "$0" && exec "$@"';

/** The argv that runs `command args` inside the cgroup whose `cgroup.procs` is `procsPath`. */
export function wrappedCommand(procsPath: string, command: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: '/bin/sh', args: ['-c', WRAPPER_SCRIPT, procsPath, command, ...args] };
}

export interface CgroupMount {
  readonly version: CgroupVersion;
  /** Where it is mounted here. */
  readonly mountPoint: string;
  /** The hierarchy's directory shown at the mount point (`/` unless a sub-tree is bind-mounted). */
  readonly root: string;
}

/** Undoes mountinfo's octal escapes (`\040` for a space). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * The memory controller's mounts in a /proc/self/mountinfo text: the cgroup v1 mount whose super
 * options name `memory`, and the cgroup2 mount (first of each).
 */
export function memoryMounts(mountinfo: string): { v1: CgroupMount | null; v2: CgroupMount | null } {
  let v1: CgroupMount | null = null;
  let v2: CgroupMount | null = null;
  for (const line of mountinfo.split('\n')) {
    const fields = line.trim().split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6) continue;
    const [root, mountPoint] = [unescapeMountField(fields[3] ?? ''), unescapeMountField(fields[4] ?? '')];
    const fsType = fields[dash + 1];
    const superOptions = (fields[dash + 3] ?? '').split(',');
    if (fsType === 'cgroup' && superOptions.includes('memory')) v1 ??= { version: 1, mountPoint, root };
    if (fsType === 'cgroup2') v2 ??= { version: 2, mountPoint, root };
  }
  return { v1, v2 };
}

/** This process's cgroup path in a /proc/self/cgroup text: v1's memory line, or v2's `0::` line. */
export function ownCgroupPath(procCgroup: string, version: CgroupVersion): string | null {
  for (const line of procCgroup.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers, path] = match as unknown as [string, string, string, string];
    if (version === 1 && controllers.split(',').includes('memory')) return path;
    if (version === 2 && id === '0' && controllers === '') return path;
  }
  return null;
}

/** The directory of cgroup `path` under `mount`, or null when the mount does not show it. */
export function cgroupDirectory(mount: CgroupMount, path: string): string | null {
  const inside = relative(mount.root, path);
  if (inside.startsWith('..')) return null;
  return join(mount.mountPoint, inside);
}

/** `key value` lines (memory.oom_control, memory.events) as numbers. */
export function parseKeyedCounters(text: string): Map<string, number> {
  const counters = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\S+)\s+(\d+)$/.exec(line.trim());
    if (match) counters.set(match[1] as string, Number(match[2]));
  }
  return counters;
}

/** What the cgroup counted: OOM kills (null where the kernel does not say) and times the limit was hit. */
export interface OomCounters {
  readonly oomKills: number | null;
  readonly failcnt: number | null;
}

function count(text: string | null): number | null {
  if (text === null || !/^\s*\d+\s*$/.test(text)) return null;
  return Number(text.trim());
}

/** v1: `oom_kill` of memory.oom_control (kernels since 4.13) and memory.failcnt; null for a file not read. */
export function oomCountersV1(oomControl: string | null, failcnt: string | null): OomCounters {
  return { oomKills: oomControl === null ? null : (parseKeyedCounters(oomControl).get('oom_kill') ?? null), failcnt: count(failcnt) };
}

/** v2: `oom_kill` and `max` (the limit hit) of memory.events. */
export function oomCountersV2(events: string | null): OomCounters {
  if (events === null) return { oomKills: null, failcnt: null };
  const counters = parseKeyedCounters(events);
  return { oomKills: counters.get('oom_kill') ?? null, failcnt: counters.get('max') ?? null };
}

/**
 * Whether a process that ended by `signal` in a cgroup with these counters was OOM-killed: it died
 * by SIGKILL and the cgroup counted an OOM kill, or, where the kernel keeps no such count, the
 * cgroup's limit was hit.
 */
export function wasOomKilled(signal: string | null, counters: OomCounters): boolean {
  if (signal !== 'SIGKILL') return false;
  if (counters.oomKills !== null) return counters.oomKills > 0;
  return (counters.failcnt ?? 0) > 0;
}

/** What the cgroup saw, read after the server ended. */
export interface CgroupStats {
  readonly counters: OomCounters;
  /** memory.max_usage_in_bytes (v1) or memory.peak (v2); null when absent. */
  readonly peakBytes: number | null;
  /** The file the peak came from. */
  readonly peakFile: string;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A memory cgroup of our own with a limit; `remove` once its process has ended. */
export class MemoryCgroup {
  readonly version: CgroupVersion;
  readonly dir: string;
  readonly limit: MemoryLimit;
  /** Why swap is not limited as well ('' when it is, or when the kernel has no swap accounting). */
  readonly swapNote: string;

  constructor(version: CgroupVersion, dir: string, limit: MemoryLimit, swapNote: string) {
    this.version = version;
    this.dir = dir;
    this.limit = limit;
    this.swapNote = swapNote;
  }

  get procsPath(): string {
    return join(this.dir, 'cgroup.procs');
  }

  /** `command args`, started so that it is in this cgroup before it runs. */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] } {
    return wrappedCommand(this.procsPath, command, args);
  }

  get peakFile(): string {
    return this.version === 1 ? 'memory.max_usage_in_bytes' : 'memory.peak';
  }

  stats(): CgroupStats {
    const file = (name: string): string | null => readText(join(this.dir, name));
    const counters = this.version === 1 ? oomCountersV1(file('memory.oom_control'), file('memory.failcnt')) : oomCountersV2(file('memory.events'));
    return { counters, peakBytes: count(file(this.peakFile)), peakFile: this.peakFile };
  }

  /** The PIDs still in the cgroup. */
  pids(): number[] {
    return (readText(this.procsPath) ?? '').split('\n').filter((line) => /^\d+$/.test(line)).map(Number);
  }

  /**
   * Removes the cgroup; it must be empty (a process that was just killed may take a moment to
   * leave it, so this retries for up to `waitMs`). Synchronous: it also runs in exit hooks.
   */
  remove(waitMs = 2000): void {
    const deadline = performance.now() + waitMs;
    for (;;) {
      try {
        rmdirSync(this.dir);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        if (code !== 'EBUSY' || performance.now() >= deadline) throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  }
}

/** A cgroup, or why none could be made. */
export type CgroupOutcome = { readonly cgroup: MemoryCgroup } | { readonly reason: string };

function writeValue(path: string, value: string): void {
  writeFileSync(path, value);
}

/**
 * Creates `name` under `parent` with the limit, and checks that a process can be moved into it
 * (a shell moves itself in and ends). Removes what it made when something fails.
 */
function createUnder(version: CgroupVersion, parent: string, name: string, limit: MemoryLimit): MemoryCgroup {
  const dir = join(parent, name);
  mkdirSync(dir);
  try {
    let swapNote = '';
    if (version === 1) {
      writeValue(join(dir, 'memory.limit_in_bytes'), String(limit.bytes));
      // memory+swap may not be set below memory alone: limit memory first.
      if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) {
        try {
          writeValue(join(dir, 'memory.memsw.limit_in_bytes'), String(limit.bytes));
        } catch (error) {
          swapNote = `swap not limited: ${reason(error)}`;
        }
      }
    } else {
      if (!existsSync(join(dir, 'memory.max'))) throw new Error(`no memory.max in ${dir}: the memory controller is not enabled for it`);
      writeValue(join(dir, 'memory.max'), String(limit.bytes));
      if (existsSync(join(dir, 'memory.swap.max'))) {
        try {
          writeValue(join(dir, 'memory.swap.max'), '0');
        } catch (error) {
          swapNote = `swap not limited: ${reason(error)}`;
        }
      }
    }
    const probe = spawnSync('/bin/sh', ['-c', 'echo $$ > "$0" && cat /proc/self/cgroup', join(dir, 'cgroup.procs')], { encoding: 'utf8', timeout: 5000 });
    if (probe.status !== 0) throw new Error(`cannot move a process into ${dir}: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}`);
    if (!probe.stdout.includes(`/${name}\n`)) throw new Error(`a process moved into ${dir} does not show it in /proc/self/cgroup`);
    return new MemoryCgroup(version, dir, limit, swapNote);
  } catch (error) {
    try {
      rmdirSync(dir);
    } catch {
      // leave it; the error below says what failed first
    }
    throw error;
  }
}

/** v2: whether `dir` lets its children have memory.max. */
function delegatesMemory(dir: string): boolean {
  return (readText(join(dir, 'cgroup.subtree_control')) ?? '').split(/\s+/).includes('memory');
}

/**
 * v2: enables memory for the children of our own cgroup. Fails (EBUSY) where it has processes of
 * its own (the script is in it) unless it is the root; cgroups above it are never changed.
 */
function enableMemory(dir: string): boolean {
  if (!(readText(join(dir, 'cgroup.controllers')) ?? '').split(/\s+/).includes('memory')) return false;
  try {
    writeValue(join(dir, 'cgroup.subtree_control'), '+memory');
  } catch {
    return false;
  }
  return delegatesMemory(dir);
}

/**
 * Where the child may be created, best first. v1: the script's own memory cgroup, then the root.
 * v2: the script's own cgroup, then the nearest cgroup above it that already delegates memory to
 * its children (so the server runs beside the script, and no cgroup's controllers are changed
 * but the script's own).
 */
function parentCandidates(mount: CgroupMount, ownDir: string | null): string[] {
  if (mount.version === 1) return [...new Set([...(ownDir === null ? [] : [ownDir]), mount.mountPoint])];
  const candidates: string[] = [];
  for (let dir = ownDir ?? mount.mountPoint; ; dir = dirname(dir)) {
    candidates.push(dir);
    if (dir === mount.mountPoint || !dir.startsWith(`${mount.mountPoint}/`)) break;
  }
  return candidates;
}

/**
 * A fresh memory cgroup `name` with `limit`, in the hierarchy this machine has (v1's memory
 * controller if mounted, else v2), or why there is none.
 */
export function openMemoryCgroup(name: string, limit: MemoryLimit): CgroupOutcome {
  const mountinfo = readText('/proc/self/mountinfo');
  const procCgroup = readText('/proc/self/cgroup');
  if (mountinfo === null || procCgroup === null) return { reason: 'no /proc/self/mountinfo or /proc/self/cgroup (not Linux?)' };
  const mounts = memoryMounts(mountinfo);
  const mount = mounts.v1 ?? mounts.v2;
  if (mount === null) return { reason: 'no cgroup filesystem with the memory controller is mounted' };
  if (mount.version === 2 && !(readText(join(mount.mountPoint, 'cgroup.controllers')) ?? '').split(/\s+/).includes('memory')) {
    return { reason: `no memory controller in ${join(mount.mountPoint, 'cgroup.controllers')}` };
  }
  const ownPath = ownCgroupPath(procCgroup, mount.version);
  const ownDir = ownPath === null ? null : cgroupDirectory(mount, ownPath);
  const failures: string[] = [];
  for (const [i, parent] of parentCandidates(mount, ownDir).entries()) {
    if (mount.version === 2 && !delegatesMemory(parent) && !(i === 0 && enableMemory(parent))) {
      failures.push(`${parent}: memory not in its cgroup.subtree_control${i === 0 ? ' and +memory could not be written there' : ''}`);
      continue;
    }
    try {
      return { cgroup: createUnder(mount.version, parent, name, limit) };
    } catch (error) {
      failures.push(reason(error));
    }
  }
  return { reason: `cgroup not writable: ${failures.join('; ')}` };
}
