import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { recordingLogger } from '../../src/test-support/log.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { eventually } from '../../src/test-support/wait.ts';

/* The hosts file lists web.example.org's addresses in the order .11, .12, .13, so the weighted
 * address coming first is the plugin's doing, never the order the answer already had. */
const HOSTS = `127.0.0.11 web.example.org
127.0.0.12 web.example.org
127.0.0.13 web.example.org
127.0.0.21 other.example.org
127.0.0.22 other.example.org
`;

/** Weight 255 against the others' 1: the heavy address comes first 255 times in 257. */
const heavy = (address: string) => `# web is served by ${address} mostly\nweb.example.org\n${address} 255\n`;

/** Of `queries` answers, how many start with `address`. */
async function firstCount(port: number, name: string, address: string, queries = 10): Promise<number> {
  let count = 0;
  for (let i = 0; i < queries; i++) {
    const result = await dig(name, { port });
    expect(result.answer).toHaveLength(name === 'web.example.org' ? 3 : 2);
    if (result.answer[0]?.data === address) count++;
  }
  return count;
}

describe('loadbalance weighted', () => {
  let dir: string;
  let weightFile: string;
  let server: TestServer;
  const { logger, lines } = recordingLogger('info');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-weighted-'));
    writeFileSync(join(dir, 'hosts'), HOSTS);
    weightFile = join(dir, 'weights');
    writeFileSync(weightFile, heavy('127.0.0.13'));
    // A relative weight file is read from the working directory, as CoreDNS reads it without `root`.
    server = await startTestServer(
      `example.org {\n    loadbalance weighted ${relative(process.cwd(), weightFile)} {\n        reload 100ms\n    }\n    hosts ${join(dir, 'hosts')}\n}\n`,
      { logger },
    );
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts the heavy address first', async () => {
    expect(await firstCount(server.port, 'web.example.org', '127.0.0.13')).toBeGreaterThanOrEqual(8);
  });

  it('still draws the first address of a name the weight file does not list, each as often', async () => {
    const seen = new Set<string>();
    await eventually(async () => {
      seen.add((await dig('other.example.org', { port: server.port })).answer[0]!.data);
      return seen.size === 2;
    }, 'each address of other.example.org to come first');
  });

  it('follows a changed weight file, and keeps its weights when the file turns bad', async () => {
    writeFileSync(weightFile, heavy('127.0.0.12'));
    await eventually(async () => (await firstCount(server.port, 'web.example.org', '127.0.0.12')) >= 8, '127.0.0.12 to come first');

    writeFileSync(weightFile, 'web.example.org\n127.0.0.11 heavy\n');
    await eventually(() => lines.some((line) => line.level === 50 && /weights:2: wrong weight value "heavy"/.test(line.msg)), 'the bad weight file to be reported');
    expect(await firstCount(server.port, 'web.example.org', '127.0.0.12')).toBeGreaterThanOrEqual(8);
  });

  it('refuses to start with a weight file that does not parse, naming its line', async () => {
    const bad = join(dir, 'bad-weights');
    writeFileSync(bad, 'web.example.org\n127.0.0.11\n');
    await expect(startTestServer(`example.org {\n    loadbalance weighted ${bad}\n    hosts ${join(dir, 'hosts')}\n}\n`)).rejects.toThrow(
      `${bad}:2: wrong domain name "127.0.0.11"`,
    );
  });
});
