import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../src/test-support/cli.ts';
import { dig } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { httpGet, sample } from './http.ts';

/** Polls (bounded) until `check` passes. */
async function eventually<T>(probe: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < 120; attempt++) {
    last = await probe();
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never saw ${what}; last: ${JSON.stringify(last)}`);
}

/** Asks for a.test over and over until stopped (at most 2000 times), keeping every status. */
function digLoop(port: number): { stop(): Promise<string[]> } {
  const statuses: string[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running && i < 2000; i++) {
      const result = await dig(`q${i}.a.test`, { port, tcp: i % 2 === 1 }).catch((error: Error) => ({ status: error.message }));
      statuses.push(result.status);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return statuses;
    },
  };
}

describe('reload: the CLI picks Corefile edits up while answering', () => {
  let dir: string;
  let run: CliRun;
  let dnsPort: number;
  let metricsPort: number;
  const corefile = (extra: string) => `a.test:${dnsPort} {
    reload 2s 0s
    prometheus 127.0.0.1:${metricsPort}
    whoami
}
${extra}`;
  const write = (text: string) => writeFileSync(join(dir, 'Corefile'), text);
  const failures = async () => sample((await httpGet(metricsPort, '/metrics')).body, 'coredns_reload_failed_total');

  beforeAll(async () => {
    [dnsPort, metricsPort] = [await freePort(), await freePort()];
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-reload-'));
    write(corefile(''));
    run = runCli(['-conf', 'Corefile'], { cwd: dir });
    await run.waitFor(`a.test.:${dnsPort}`);
  });
  afterAll(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies an added block within the interval, answering every query meanwhile', async () => {
    expect((await dig('x.b.test', { port: dnsPort })).status).toBe('REFUSED');
    const loop = digLoop(dnsPort);
    write(corefile(`b.test:${dnsPort} {\n    whoami\n}\n`));
    await eventually(() => dig('x.b.test', { port: dnsPort }), (r) => r.status === 'NOERROR', 'b.test answered');
    const statuses = await loop.stop();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 'NOERROR')).toEqual([]);
    expect(run.stderr()).toContain('Reloading complete');
    expect(await failures()).toBe(0);
  });

  it('rejects a broken edit with file:line, counts it once, and keeps serving the old configuration', async () => {
    const loop = digLoop(dnsPort);
    write(corefile(`c.test:${dnsPort} {\n    whoami\n    nosuchplugin\n}\n`));
    await eventually(failures, (count) => count === 1, 'a failed reload');
    expect(run.stderr()).toContain("Corefile changed but reload failed: Corefile:8 - Error during parsing: Unknown directive 'nosuchplugin'");
    expect((await dig('x.c.test', { port: dnsPort })).status).toBe('REFUSED');
    expect((await dig('x.b.test', { port: dnsPort })).status).toBe('NOERROR');
    const statuses = await loop.stop();
    expect(statuses.filter((status) => status !== 'NOERROR')).toEqual([]);
    // Still broken at the next checks: not counted again.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await failures()).toBe(1);
  });

  it('reloads at once on SIGUSR1', async () => {
    write(corefile(`d.test:${dnsPort} {\n    whoami\n}\n`).replace('reload 2s 0s', 'reload 1h'));
    run.child.kill('SIGUSR1');
    await run.waitFor('[INFO] Reloading complete');
    expect((await dig('x.d.test', { port: dnsPort })).status).toBe('NOERROR');
    expect((await dig('x.b.test', { port: dnsPort })).status).toBe('REFUSED');
  });
});
