import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { createLoopPlugin } from '../../src/plugins/loop/index.ts';
import { runCli } from '../../src/test-support/cli.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { startFakeUpstream, type FakeUpstream } from '../../src/test-support/upstream.ts';
import { eventually } from '../../src/test-support/wait.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A server whose loop plugin writes into `lines` and records exits instead of ending the test. */
async function serverWithLoop(corefile: string): Promise<{ server: TestServer; lines: string[]; exits: number[] }> {
  const lines: string[] = [];
  const exits: number[] = [];
  const loop = createLoopPlugin({ write: (line) => void lines.push(line), exit: (code) => void exits.push(code) });
  const server = await startTestServer(corefile, { extraPlugins: [loop] });
  cleanup.push(() => server.stop());
  return { server, lines, exits };
}

describe('loop behind the server', () => {
  it('detects a forward to itself: FATAL line and exit 1', async () => {
    const port = await freePort();
    const { lines, exits } = await serverWithLoop(`.:${port} {\n loop\n forward . 127.0.0.1:${port}\n}\n`);
    await eventually(() => exits.length > 0, 'the loop is detected');
    expect(exits).toEqual([1]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\[FATAL\\] plugin/loop: Loop \\(127\\.0\\.0\\.1:\\d+ -> :${port}\\) detected for zone "\\.", ` +
          `see https://coredns\\.io/plugins/loop#troubleshooting\\. Query: "HINFO \\d+\\.\\d+\\."$`,
      ),
    );
  });

  it('probes once through a healthy upstream and stays up', async () => {
    const upstream: FakeUpstream = await startFakeUpstream();
    cleanup.push(() => upstream.close());
    const port = await freePort();
    const { exits } = await serverWithLoop(`example.org:${port} {\n loop\n forward . ${upstream.address}\n}\n`);
    await eventually(() => upstream.queries().length > 0, 'the probe reaches the upstream');
    const [probe] = upstream.queries();
    expect(probe!.type).toBe(RRType.HINFO);
    expect(probe!.name).toMatch(/^\d+\.\d+\.example\.org$/);
    expect(exits).toEqual([]);
  });
});

describe('loop in the clusterdns process', () => {
  it('exits 1 with the FATAL line when the Corefile forwards to the server itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterdns-loop-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const corefile = join(dir, 'Corefile');
    writeFileSync(corefile, `.:${port} {\n loop\n forward . 127.0.0.1:${port}\n}\n`);
    const run = runCli(['-conf', corefile]);
    cleanup.push(() => void run.child.kill('SIGKILL'));
    expect(await run.exited).toBe(1);
    expect(run.stdout()).toMatch(new RegExp(`\\[FATAL\\] plugin/loop: Loop \\(127\\.0\\.0\\.1:\\d+ -> :${port}\\) detected for zone "\\."`));
  });
});
