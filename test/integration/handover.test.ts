import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { encodeQuery } from '../../src/dns/query.ts';
import { runCli, type CliRun } from '../../src/test-support/cli.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { sleep } from '../../src/test-support/wait.ts';

const CLUSTER = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');
/** Client sockets asking in parallel: each is a flow the kernel hashes to one of the server's sockets. */
const CLIENTS = 16;
/** A query unanswered this long is lost: no retries, so a dropped datagram shows. */
const TIMEOUT_MS = 2_000;

interface LoopTally {
  answered: number;
  lost: number;
  /** When each answer came (performance.now()), to see that the loop ran across the hand-over. */
  readonly answeredAt: number[];
}

/** Clients asking one query at a time each, from their own sockets, until `until` resolves. */
async function queryLoop(port: number, until: Promise<unknown>): Promise<LoopTally> {
  const tally: LoopTally = { answered: 0, lost: 0, answeredAt: [] };
  let running = true;
  void until.then(() => (running = false));
  const client = async (): Promise<void> => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      while (running) {
        const query = encodeQuery('myservice.default.svc.cluster.local', RRType.A, { recursionDesired: true });
        const id = query.readUInt16BE(0);
        const answered = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            socket.off('message', onMessage);
            resolve(false);
          }, TIMEOUT_MS);
          const onMessage = (message: Buffer): void => {
            if (message.readUInt16BE(0) !== id) return;
            clearTimeout(timer);
            socket.off('message', onMessage);
            resolve(true);
          };
          socket.on('message', onMessage);
          socket.send(query, port, '127.0.0.1');
        });
        if (answered) {
          tally.answered++;
          tally.answeredAt.push(performance.now());
        } else tally.lost++;
      }
    } finally {
      socket.close();
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return tally;
}

describe('SIGUSR2: a successor takes over without dropping a query', () => {
  let dir: string;
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every query of a live loop while the old process hands its sockets over and exits', async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-handover-'));
    const dnsPort = await freePort();
    writeFileSync(join(dir, 'Corefile'), `.:${dnsPort} {\n    kubernetes cluster.local {\n        manifests ${CLUSTER}\n    }\n}\n`);
    const old: CliRun = runCli(['-conf', 'Corefile', '-workers', '2', '-pidfile', 'clusterdns.pid'], { cwd: dir });
    cleanups.push(async () => {
      old.child.kill('SIGKILL');
      await old.exited;
    });
    await old.waitFor(`.:${dnsPort}`);

    let stopLoop: () => void = () => {};
    const loop = queryLoop(dnsPort, new Promise<void>((resolve) => (stopLoop = resolve)));
    await sleep(500);
    old.child.kill('SIGUSR2');
    await old.waitFor('Handed over to PID');
    const successor = Number(/Handed over to PID (\d+)/.exec(old.stdout())![1]);
    cleanups.push(() => {
      try {
        process.kill(successor, 'SIGKILL');
      } catch {
        // Already gone.
      }
    });
    expect(await old.exited).toBe(0);
    const handedOverAt = performance.now();
    await sleep(500);
    stopLoop();
    const tally = await loop;

    expect(tally.lost).toBe(0);
    expect(tally.answered).toBeGreaterThan(100);
    // The successor answered on once the old process was gone, and the pidfile is its own.
    expect(tally.answeredAt.filter((at) => at > handedOverAt).length).toBeGreaterThan(10);
    expect(() => process.kill(successor, 0)).not.toThrow();
    expect(readFileSync(join(dir, 'clusterdns.pid'), 'utf8')).toBe(`${successor}\n`);
  });
});
