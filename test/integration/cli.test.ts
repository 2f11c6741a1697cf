import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { runCli, type CliRun } from '../../src/test-support/cli.ts';
import { dig } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';

const versionLine = `clusterdns-${packageJson.version}`;

describe('clusterdns command line', () => {
  let dir: string;
  const running: CliRun[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-cli-'));
  });
  afterEach(async () => {
    for (const run of running.splice(0)) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  function start(args: string[], input?: string, env?: NodeJS.ProcessEnv): CliRun {
    const run = runCli(args, { cwd: dir, input, env });
    running.push(run);
    return run;
  }

  it('prints its version as CoreDNS does, with --flag or -flag', async () => {
    for (const flag of ['-version', '--version']) {
      const run = start([flag]);
      expect(await run.exited).toBe(0);
      expect(run.stdout()).toBe(`${versionLine}\n${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}, node ${process.version}\n`);
    }
  });

  it('lists its plugins sorted', async () => {
    const run = start(['-plugins']);
    expect(await run.exited).toBe(0);
    const names = run.stdout().trimEnd().split('\n');
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['errors', 'log', 'whoami']));
  });

  it('exits 2 with the usage on a flag it does not know', async () => {
    const run = start(['-bogus']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/^flag provided but not defined: -bogus\nUsage of clusterdns:\n {2}-conf string\n/);
  });

  it('exits 1 with the reason when it cannot start', async () => {
    const missing = start(['-conf', join(dir, 'nope')]);
    expect(await missing.exited).toBe(1);
    expect(missing.stderr()).toContain('nope');
    const extra = start(['-quiet', 'extra']);
    expect(await extra.exited).toBe(1);
    expect(extra.stderr()).toBe('extra command line arguments: [extra]\n');
    writeFileSync(join(dir, 'bad'), '. {\n nosuchplugin\n}\n');
    const bad = start(['-conf=bad']);
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toBe("bad:2 - Error during parsing: Unknown directive 'nosuchplugin'\n");
  });

  it('exits 1 naming the port when it is taken', async () => {
    const port = await freePort();
    const taken = dgram.createSocket('udp6');
    await new Promise<void>((resolve) => taken.bind(port, '::', resolve));
    try {
      const run = start(['-dns.port', String(port)]);
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toBe(`listen udp :${port}: bind: address already in use\n`);
    } finally {
      taken.close();
    }
  });

  it('serves the default Corefile (whoami, log) on -dns.port when none is found, and stops on SIGTERM', async () => {
    const port = await freePort();
    const run = start(['-dns.port', String(port), '-pidfile', 'pid']);
    await run.waitFor(`${versionLine}\n`);
    expect(run.stdout()).toMatch(new RegExp(`^\\.:${port}\\n${versionLine}\\n\\w+/\\w+, node v`));
    expect(readFileSync(join(dir, 'pid'), 'utf8')).toBe(`${run.child.pid}\n`);
    const answer = await dig('default.test', { port });
    expect(answer.additional.map((r) => r.type)).toEqual(['A', 'SRV']);
    await run.waitFor('"A IN default.test. udp');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain('[INFO] SIGTERM: Shutting down servers then terminating\n');
    expect(existsSync(join(dir, 'pid'))).toBe(false);
  });

  it("runs with V8's young generation sized and malloc's arenas limited, same PID, unless NODE_OPTIONS sizes it", async () => {
    const commandLine = async (env?: NodeJS.ProcessEnv): Promise<string[]> => {
      const run = start(['-dns.port', String(await freePort()), '-workers', '2'], undefined, env);
      await run.waitFor(`${versionLine}\n`);
      const argv = readFileSync(`/proc/${run.child.pid}/cmdline`, 'utf8').split('\0');
      environment = readFileSync(`/proc/${run.child.pid}/environ`, 'utf8').split('\0');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      return argv;
    };
    let environment: string[] = [];
    expect(await commandLine()).toContain('--max-semi-space-size=2');
    // An arena for each of the 2 threads answering queries, and one more.
    expect(environment).toContain('MALLOC_ARENA_MAX=3');
    const operators = await commandLine({ ...process.env, NODE_OPTIONS: '--max-semi-space-size=4' });
    expect(operators.filter((word) => word.startsWith('--max-semi-space-size'))).toEqual([]);
  });

  it('reads ./Corefile, prints nothing under -quiet, and stops on SIGINT', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'Corefile'), `example.org:${port} {\n whoami\n}\n`);
    const loud = start([]);
    await loud.waitFor(versionLine);
    expect(loud.stdout().startsWith(`example.org.:${port}\n`)).toBe(true);
    expect((await dig('example.org', { port })).status).toBe('NOERROR');
    expect((await dig('example.net', { port })).status).toBe('REFUSED');
    loud.child.kill('SIGINT');
    expect(await loud.exited).toBe(0);

    const quiet = start(['--quiet', '-conf', 'Corefile']);
    // Serving proves startup finished; the banner would have come before.
    await expect.poll(async () => (await dig('example.org', { port }).catch(() => null))?.status, { timeout: 10_000 }).toBe('NOERROR');
    quiet.child.kill('SIGTERM');
    expect(await quiet.exited).toBe(0);
    expect(quiet.stdout()).toBe('[INFO] SIGTERM: Shutting down servers then terminating\n');
  });

  it('reads the Corefile from stdin with -conf stdin', async () => {
    const port = await freePort();
    const run = start(['-conf', 'stdin'], `.:${port} {\n whoami\n}\n`);
    await run.waitFor(versionLine);
    expect((await dig('stdin.test', { port, tcp: true })).additional.map((r) => r.name)).toEqual(['stdin.test.', '_tcp.stdin.test.']);
  });
});

describe('npx clusterdns', () => {
  /*
   * npm itself runs on the system's Node, which may be older than the project's (Node 20 on the
   * project's own machine); the server runs on the Node the `node` package installs. An `engines`
   * field naming a newer Node made npm warn on every `npx clusterdns`, though nothing it ran used
   * the older Node. Where the system's Node is new enough this passes either way.
   */
  it("runs on the project's Node with no warning from npm, whatever Node runs npm", async () => {
    const root = join(import.meta.dirname, '..', '..');
    // A shell's PATH: without the node_modules/.bin folders npm puts first for the test run.
    const path = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => !dir.endsWith(join('node_modules', '.bin')))
      .join(delimiter);
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
    // A cache of its own: npx links the project into the cache's _npx folder, checking engines as it does.
    const cache = mkdtempSync(join(tmpdir(), 'clusterdns-npm-cache-'));
    try {
      const { stdout, stderr } = await promisify(execFile)('npx', ['--no-install', 'clusterdns', '-version'], {
        cwd: root,
        env: { ...env, PATH: path, npm_config_cache: cache, npm_config_update_notifier: 'false' },
      });
      expect(stderr).not.toContain('npm warn');
      expect(stdout).toContain(`node ${process.version}`);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
