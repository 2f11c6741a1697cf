import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCorefile } from '../../src/corefile/parse.ts';
import { silentLogger } from '../../src/log.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { Exchange } from '../../src/server/threads/exchange.ts';
import { WorkerPool, type PoolOptions } from '../../src/server/threads/pool.ts';
import { runCli, type CliRun } from '../../src/test-support/cli.ts';
import { dig, type DigResult } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { eventually } from '../../src/test-support/wait.ts';
import { httpGet, sample } from '../ops/http.ts';

const CLUSTER = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');
/** Queries from as many client sockets (dig opens one each): the kernel hashes each flow to one thread, so 2^-31 that all meet one. */
const SPREAD_QUERIES = 32;

function corefile(dnsPort: number, metricsPort: number, extra = ''): string {
  return `.:${dnsPort} {
    prometheus 127.0.0.1:${metricsPort}
    kubernetes cluster.local {
        manifests ${CLUSTER}
    }
    cache 30
}
${extra}`;
}

/** `count` digs for `name`, at most 8 at a time, each from its own socket. */
async function digMany(name: string, port: number, count: number, type = 'A'): Promise<DigResult[]> {
  const results: DigResult[] = [];
  for (let i = 0; i < count; i += 8) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(8, count - i) }, () => dig(name, { port, type })))));
  }
  return results;
}

describe('-workers: queries answered on several threads', () => {
  let dir: string;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-workers-'));
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(args: string[], env: NodeJS.ProcessEnv = process.env): CliRun {
    const run = runCli(args, { cwd: dir, env });
    cleanups.push(async () => {
      run.child.kill('SIGKILL');
      await run.exited;
    });
    return run;
  }

  it('spreads queries over the threads, each answering from the one watch, and /metrics sums them', async () => {
    const [dnsPort, metricsPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'Corefile'), corefile(dnsPort, metricsPort));
    const run = start(['-conf', 'Corefile'], { ...process.env, CLUSTERDNS_WORKERS: '2' });
    await run.waitFor(`.:${dnsPort}`);

    const answers = await digMany('myservice.default.svc.cluster.local', dnsPort, SPREAD_QUERIES);
    expect(answers.map((result) => result.answer.map((record) => record.data))).toEqual(Array(SPREAD_QUERIES).fill(['127.10.0.80']));

    const metrics = (await httpGet(metricsPort, '/metrics')).body;
    const labels = { server: `dns://:${dnsPort}`, zone: '.', view: '' };
    expect(sample(metrics, 'coredns_dns_requests_total', { ...labels, proto: 'udp', family: '1', type: 'A' })).toBe(SPREAD_QUERIES);
    // Each thread's cache holds the name once: two caches, so two threads answered.
    expect(sample(metrics, 'coredns_cache_entries', { server: `dns://:${dnsPort}`, type: 'success', zones: '.', view: '' })).toBe(2);
    // Queries that missed a cache while its thread asked the main thread were answered by kubernetes too.
    const byKubernetes = sample(metrics, 'coredns_dns_responses_total', { ...labels, rcode: 'NOERROR', plugin: 'kubernetes' })!;
    expect(byKubernetes).toBeGreaterThanOrEqual(2);
    expect(byKubernetes + sample(metrics, 'coredns_dns_responses_total', { ...labels, rcode: 'NOERROR', plugin: 'cache' })!).toBe(SPREAD_QUERIES);
  });

  it('reloads every thread: a block added by SIGUSR1 answers on all of them', async () => {
    const [dnsPort, metricsPort] = [await freePort(), await freePort()];
    const path = join(dir, 'Corefile');
    writeFileSync(path, corefile(dnsPort, metricsPort));
    const run = start(['-conf', 'Corefile', '-workers', '2']);
    await run.waitFor(`.:${dnsPort}`);
    writeFileSync(path, corefile(dnsPort, metricsPort, `example.test:${dnsPort} {\n    whoami\n}\n`));
    run.child.kill('SIGUSR1');
    await run.waitFor('Reloading complete');
    const answers = await digMany('example.test', dnsPort, SPREAD_QUERIES);
    expect(answers.map((result) => [result.status, result.additional.length])).toEqual(Array(SPREAD_QUERIES).fill(['NOERROR', 2]));
  });

  it("writes every thread's query log lines whole, never one inside another", async () => {
    const [dnsPort, metricsPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'Corefile'), corefile(dnsPort, metricsPort).replace('    cache 30', '    log\n    cache 30'));
    const run = start(['-conf', 'Corefile', '-workers', '2']);
    await run.waitFor(`.:${dnsPort}`);
    await digMany('myservice.default.svc.cluster.local', dnsPort, SPREAD_QUERIES);
    await eventually(() => run.stdout().split('"A IN myservice.').length - 1 === SPREAD_QUERIES, 'a log line per query');
    const logged = run.stdout().split('\n').filter((line) => line.includes('myservice'));
    for (const line of logged) expect(line).toMatch(/^\[INFO\] 127\.0\.0\.1:\d+ - \d+ "A IN myservice\.default\.svc\.cluster\.local\. udp \d+ \w+ \d+" NOERROR [\w,]+ \d+ [\d.e-]+s$/);
    expect(logged).toHaveLength(SPREAD_QUERIES);
  });

  it('transfers the zone from whichever thread takes the connection, through the main thread', async () => {
    const [dnsPort, metricsPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'Corefile'), corefile(dnsPort, metricsPort).replace('    kubernetes', '    transfer {\n        to *\n    }\n    kubernetes'));
    const run = start(['-conf', 'Corefile', '-workers', '2']);
    await run.waitFor(`.:${dnsPort}`);
    const axfr = () =>
      new Promise<string>((resolve, reject) =>
        execFile('dig', ['@127.0.0.1', '-p', String(dnsPort), 'cluster.local', 'AXFR', '+noall', '+answer'], (error, stdout) => (error ? reject(error) : resolve(stdout))),
      );
    const transfers = await Promise.all(Array.from({ length: 8 }, axfr));
    expect(transfers[0]).toContain('myservice.default.svc.cluster.local.');
    expect(new Set(transfers).size).toBe(1);
  });

  it('refuses a worker count that is not a whole number from 1', async () => {
    const run = start(['-workers', '0']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('invalid value "0" for flag -workers');
  });

  /** The CLI's main thread and one worker, in this process, so a test can reach the pool; `lines` are its error logs. */
  async function startInProcess(pooling: Partial<Pick<PoolOptions, 'heartbeatMs' | 'stuckAfterMs'>> = {}) {
    const [dnsPort, metricsPort] = [await freePort(), await freePort()];
    const path = join(dir, 'Corefile');
    writeFileSync(path, corefile(dnsPort, metricsPort));
    const lines: string[] = [];
    const logger = Object.assign(Object.create(silentLogger), {
      error: (fields: object, message: string) => void lines.push(message),
      info: () => {},
    }) as typeof silentLogger;
    const exchange = new Exchange('main', 2);
    const loaded = loadCorefile(path);
    const pool = new WorkerPool({ threads: 2, exchange, corefile: loaded, dnsPort, quiet: true, logger, ...pooling });
    const server: RunningServer = await startServer(loaded, { dnsPort, logger: silentLogger, exchange, readiness: [pool.readiness], beforeClose: () => pool.stop() });
    cleanups.push(() => server.stop());
    return { dnsPort, lines, exchange, pool };
  }

  it('restarts a worker that dies while the other threads keep answering', async () => {
    const { dnsPort, lines, pool } = await startInProcess();
    await pool.start();
    const first = pool.workers().get(1)!;

    await first.terminate();
    const during = await digMany('myservice.default.svc.cluster.local', dnsPort, 16);
    expect(during.map((result) => `${result.status} ${result.answer[0]?.data}`)).toEqual(Array(16).fill('NOERROR 127.10.0.80'));
    expect(lines).toContain('worker 1 exited with code 1: restarting it in 500 ms');
    await eventually(() => pool.running === 1 && pool.workers().get(1) !== first, 'the worker to come back');
    const after = await digMany('myservice.default.svc.cluster.local', dnsPort, 16);
    expect(after.map((result) => `${result.status} ${result.answer[0]?.data}`)).toEqual(Array(16).fill('NOERROR 127.10.0.80'));
  });

  it('restarts a worker whose event loop stops turning; /ready waits for every worker', async () => {
    const { lines, exchange, pool } = await startInProcess({ heartbeatMs: 50, stuckAfterMs: 300 });
    expect(pool.readiness.ready()).toBe(false);
    await pool.start();
    expect(pool.readiness.ready()).toBe(true);
    const first = pool.workers().get(1)!;
    // A worker whose heartbeats go unanswered, as one stuck in a loop: the replies are never seen.
    const callWorker = exchange.callWorker.bind(exchange);
    exchange.callWorker = (port, name, payload) => (port === first && name === 'server/ping' ? new Promise(() => {}) : callWorker(port, name, payload));
    await eventually(() => lines.includes('worker 1 has not answered for 300 ms: restarting it'), 'the stuck worker to be noticed');
    await eventually(() => pool.workers().get(1) !== undefined && pool.workers().get(1) !== first && pool.readiness.ready(), 'a new worker 1');
  });
});
