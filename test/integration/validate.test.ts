import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../src/test-support/cli.ts';
import { dig } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { eventually } from '../../src/test-support/wait.ts';

const CLUSTER = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');

describe('clusterdns -validate', () => {
  let dir: string;
  const running: CliRun[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-validate-'));
  });
  afterEach(async () => {
    for (const run of running.splice(0)) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  function start(args: string[]): CliRun {
    const run = runCli(args, { cwd: dir });
    running.push(run);
    return run;
  }

  async function validate(corefile: string): Promise<{ status: number | string; stdout: string; stderr: string }> {
    writeFileSync(join(dir, 'Corefile'), corefile);
    const run = start(['-validate', '-conf', 'Corefile']);
    const status = await run.exited;
    return { status, stdout: run.stdout(), stderr: run.stderr() };
  }

  it('passes a whole cluster Corefile without binding its ports or calling the API', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const busy = (taken.address() as net.AddressInfo).port;
    try {
      const result = await validate(
        `.:${busy} {\n    errors\n    health 127.0.0.1:${busy}\n    prometheus 127.0.0.1:${busy}\n    kubernetes cluster.local {\n        manifests ${CLUSTER}\n    }\n    forward . 127.0.0.1:1\n    cache 30\n}\n` +
          `example.org:${busy} {\n    kubernetes example.org {\n        endpoint http://127.0.0.1:1\n    }\n}\n`,
      );
      expect(result).toEqual({ status: 0, stdout: 'Corefile: valid (2 server blocks, 7 directives)\n', stderr: '' });
    } finally {
      taken.close();
    }
  });

  it('prints every parse error with its file and line, and exits 1', async () => {
    const result = await validate(`.:1053 {\n    forward . 10.0.0.1 {\n        max_fails many\n    }\n    cache 30 {\n        success lots\n    }\n    nosuch\n}\n`);
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      "Corefile:3 - Error during parsing: max_fails: 'many' is not an integer",
      "Corefile:6 - Error during parsing: cache: 'lots' is not an integer",
      "Corefile:8 - Error during parsing: Unknown directive 'nosuch'",
    ]);
    expect(result.stdout).toBe('');
  });

  it('reads the files the plugins name: a bad manifest is named by file and document', async () => {
    writeFileSync(join(dir, 'cluster.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: Service\nmetadata: [broken\n');
    const result = await validate(`.:1053 {\n    kubernetes cluster.local {\n        manifests cluster.yaml\n    }\n}\n`);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^Corefile:2 - plugin\/kubernetes: .*cluster\.yaml.*document 2/);
  });

  it('the same errors reach a reload, which logs them and keeps serving the running Corefile', async () => {
    const port = await freePort();
    const good = `.:${port} {\n    whoami\n}\n`;
    writeFileSync(join(dir, 'Corefile'), good);
    const server = start(['-conf', 'Corefile']);
    await server.waitFor(`.:${port}`);
    const bad = `.:${port} {\n    whoami\n    cache 30 {\n        success lots\n    }\n}\n`;
    const checked = await validate(bad);
    server.child.kill('SIGUSR1');
    await eventually(() => server.stderr().includes('reload failed'), 'the reload to fail');
    const message = checked.stderr.trimEnd();
    expect(message).toBe("Corefile:4 - Error during parsing: cache: 'lots' is not an integer");
    expect(server.stderr()).toContain(`keeping the running configuration: ${message}`);
    expect((await dig('example.org', { port })).additional.length).toBe(2);
  });
});
