import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  cgroupDirectory, memoryMounts, oomCountersV1, oomCountersV2, ownCgroupPath, parseKeyedCounters, parseMemorySize, wasOomKilled, wrappedCommand, WRAPPER_SCRIPT,
} from '../../scripts/footprint/cgroup.ts';
import { memoryDeath } from '../../scripts/footprint/death.ts';
import { parseFootprintOptions } from '../../scripts/footprint/options.ts';

const Mi = 2 ** 20;

describe('--memory-limit sizes', () => {
  it('reads Kubernetes binary quantities and plain bytes', () => {
    expect(parseMemorySize('170Mi')).toEqual({ text: '170Mi', bytes: 170 * Mi });
    expect(parseMemorySize('65536Ki')).toEqual({ text: '65536Ki', bytes: 64 * Mi });
    expect(parseMemorySize('1.5Gi')).toEqual({ text: '1.5Gi', bytes: 1536 * Mi });
    expect(parseMemorySize(' 2Gi ')?.bytes).toBe(2048 * Mi);
    expect(parseMemorySize('104857600')?.bytes).toBe(100 * Mi);
  });

  it('takes none as no limit', () => {
    expect(parseMemorySize('none')).toBeNull();
    expect(parseMemorySize('None')).toBeNull();
  });

  it('refuses other units, negative, empty and tiny sizes', () => {
    for (const bad of ['170M', '170MB', '170mi', '-1Mi', '', 'Mi', '1e9', '0', '512Ki', '0.5Mi']) {
      expect(() => parseMemorySize(bad), bad).toThrow();
    }
  });

  it('is an option defaulting to the coredns Deployment limit', () => {
    expect(parseFootprintOptions([]).memoryLimit).toEqual({ text: '170Mi', bytes: 170 * Mi });
    expect(parseFootprintOptions(['--memory-limit', 'none']).memoryLimit).toBeNull();
    expect(parseFootprintOptions(['--memory-limit', '256Mi']).memoryLimit?.bytes).toBe(256 * Mi);
    expect(() => parseFootprintOptions(['--memory-limit', '170 MB'])).toThrow(/--memory-limit/);
  });
});

describe('the wrapper', () => {
  it('runs the command through sh with the cgroup.procs path as $0, never as shell text', () => {
    const procs = "/sys/fs/cgroup/memory/a b/it's/cgroup.procs";
    expect(wrappedCommand(procs, '/usr/bin/node', ['bin/clusterdns.js', '-conf', '/tmp/x/Corefile'])).toEqual({
      command: '/bin/sh',
      args: ['-c', 'echo $$ > "$0" && exec "$@"', procs, '/usr/bin/node', 'bin/clusterdns.js', '-conf', '/tmp/x/Corefile'],
    });
    expect(WRAPPER_SCRIPT).not.toContain(procs);
  });

  it('writes its own PID, then becomes the command with the same PID and arguments', () => {
    // A plain file stands in for cgroup.procs.
    const file = `${process.env['TMPDIR'] ?? '/tmp'}/footprint-wrapper-${process.pid}`;
    const { command, args } = wrappedCommand(file, '/bin/sh', ['-c', 'echo "$$ $1 $2"; cat "$0"', file, 'one', 'two words']);
    const run = spawnSync(command, args, { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const [line, written] = run.stdout.split('\n');
    const [pid, ...rest] = (line ?? '').split(' ');
    expect(rest.join(' ')).toBe('one two words');
    expect(written).toBe(pid);
    spawnSync('rm', ['-f', file]);
  });

  it('does not run the command when the PID cannot be written', () => {
    const { command, args } = wrappedCommand('/nonexistent/dir/cgroup.procs', '/bin/echo', ['ran']);
    const run = spawnSync(command, args, { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
  });
});

describe('finding the memory cgroup', () => {
  const hybrid = [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n');

  it('finds the v1 memory mount and the v2 mount in mountinfo', () => {
    expect(memoryMounts(hybrid)).toEqual({
      v1: { version: 1, mountPoint: '/sys/fs/cgroup/memory', root: '/' },
      v2: { version: 2, mountPoint: '/sys/fs/cgroup/unified', root: '/' },
    });
    const unified = '29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
    expect(memoryMounts(unified)).toEqual({ v1: null, v2: { version: 2, mountPoint: '/sys/fs/cgroup', root: '/' } });
    const cpuset = '35 31 0:32 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset,memory_migrate';
    expect(memoryMounts(cpuset).v1).toBeNull();
    expect(memoryMounts('36 31 0:32 /docker/abc /sys/fs/cgroup/mem\\040ory rw - cgroup cgroup rw,memory').v1)
      .toEqual({ version: 1, mountPoint: '/sys/fs/cgroup/mem ory', root: '/docker/abc' });
  });

  it('reads our own cgroup path from /proc/self/cgroup', () => {
    const v1 = '9:name=systemd:/\n4:memory:/process_api/1a27\n1:cpu,cpuacct:/x\n0::/\n';
    expect(ownCgroupPath(v1, 1)).toBe('/process_api/1a27');
    expect(ownCgroupPath(v1, 2)).toBe('/');
    expect(ownCgroupPath('0::/user.slice/user-0.slice/session-1.scope\n', 2)).toBe('/user.slice/user-0.slice/session-1.scope');
    expect(ownCgroupPath('0::/\n', 1)).toBeNull();
  });

  it('places a cgroup path under its mount, minding a bind-mounted sub-tree', () => {
    expect(cgroupDirectory({ version: 1, mountPoint: '/sys/fs/cgroup/memory', root: '/' }, '/process_api/1a27')).toBe('/sys/fs/cgroup/memory/process_api/1a27');
    expect(cgroupDirectory({ version: 2, mountPoint: '/sys/fs/cgroup', root: '/' }, '/')).toBe('/sys/fs/cgroup');
    expect(cgroupDirectory({ version: 1, mountPoint: '/sys/fs/cgroup/memory', root: '/docker/abc' }, '/docker/abc/x')).toBe('/sys/fs/cgroup/memory/x');
    expect(cgroupDirectory({ version: 1, mountPoint: '/sys/fs/cgroup/memory', root: '/docker/abc' }, '/other')).toBeNull();
  });
});

describe('OOM kills', () => {
  const oomControl = (kills: number): string => `oom_kill_disable 0\nunder_oom 0\noom_kill ${kills}\n`;

  it('reads v1 memory.oom_control and memory.failcnt', () => {
    expect(parseKeyedCounters(oomControl(2))).toEqual(new Map([['oom_kill_disable', 0], ['under_oom', 0], ['oom_kill', 2]]));
    expect(oomCountersV1(oomControl(1), '17\n')).toEqual({ oomKills: 1, failcnt: 17 });
    // Kernels before 4.13 have no oom_kill line.
    expect(oomCountersV1('oom_kill_disable 0\nunder_oom 0\n', '3\n')).toEqual({ oomKills: null, failcnt: 3 });
    expect(oomCountersV1(null, null)).toEqual({ oomKills: null, failcnt: null });
  });

  it('reads v2 memory.events', () => {
    expect(oomCountersV2('low 0\nhigh 0\nmax 52\noom 1\noom_kill 1\noom_group_kill 0\n')).toEqual({ oomKills: 1, failcnt: 52 });
    expect(oomCountersV2(null)).toEqual({ oomKills: null, failcnt: null });
  });

  it('calls a SIGKILL an OOM kill only when the cgroup counted one', () => {
    expect(wasOomKilled('SIGKILL', oomCountersV1(oomControl(1), '0'))).toBe(true);
    expect(wasOomKilled('SIGKILL', oomCountersV1(oomControl(0), '12'))).toBe(false); // our own SIGKILL after the grace period
    expect(wasOomKilled('SIGTERM', oomCountersV1(oomControl(1), '12'))).toBe(false);
    expect(wasOomKilled(null, oomCountersV2('oom_kill 1\n'))).toBe(false);
    expect(wasOomKilled('SIGKILL', { oomKills: null, failcnt: 4 })).toBe(true);
    expect(wasOomKilled('SIGKILL', { oomKills: null, failcnt: 0 })).toBe(false);
  });

  it('tells a death of memory from a crash', () => {
    const v1 = (kills: number) => ({ version: 1 as const, counters: oomCountersV1(oomControl(kills), '9') });
    expect(memoryDeath({ signal: 'SIGKILL', exitCode: null, cgroup: v1(1), output: '' }, 'the burst'))
      .toEqual({ cause: 'oom-kill', phase: 'the burst', evidence: 'SIGKILL; memory.oom_control oom_kill 1' });
    expect(memoryDeath({ signal: 'SIGKILL', exitCode: null, cgroup: { version: 2, counters: oomCountersV2('max 3\noom_kill 1\n') }, output: '' }, 'sync')?.evidence)
      .toBe('SIGKILL; memory.events oom_kill 1');
    expect(memoryDeath({ signal: 'SIGKILL', exitCode: null, cgroup: { version: 1, counters: { oomKills: null, failcnt: 5 } }, output: '' }, 'sync')?.evidence)
      .toBe('SIGKILL; memory.failcnt 5 (this kernel counts no OOM kills)');
    expect(memoryDeath({ signal: 'SIGKILL', exitCode: null, cgroup: v1(0), output: '' }, 'stopping')).toBeNull();
    expect(memoryDeath({ signal: 'SIGKILL', exitCode: null, cgroup: null, output: '' }, 'sync')).toBeNull();
    const v8 = '<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb0 node::Abort()';
    expect(memoryDeath({ signal: 'SIGABRT', exitCode: null, cgroup: v1(0), output: v8 }, 'sync'))
      .toEqual({ cause: 'heap-limit', phase: 'sync', evidence: 'SIGABRT; it printed "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"' });
    expect(memoryDeath({ signal: null, exitCode: 0, cgroup: null, output: v8 }, 'stopping')).toBeNull();
    expect(memoryDeath({ signal: null, exitCode: 1, cgroup: v1(0), output: 'Error: listen EADDRINUSE' }, 'sync')).toBeNull();
  });
});
