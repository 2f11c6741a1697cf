import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../src/test-support/cli.ts';
import { dig } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { httpGet, sample } from './http.ts';

const manifests = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');

/** Polls (bounded) until `check` passes. */
async function eventually<T>(probe: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = await probe();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never saw ${what}`);
}

/**
 * The coredns Deployment's shape, run as the real CLI: health with lameduck, ready, prometheus and
 * the kubernetes plugin on the example manifests; a SIGTERM must keep DNS and /health up for the
 * lameduck while /ready fails, then exit 0.
 */
describe('the CLI as the coredns Deployment runs it: probes, metrics and a SIGTERM with lameduck', () => {
  let dir: string;
  let run: CliRun;
  let dnsPort: number;
  let healthPort: number;
  let readyPort: number;
  let metricsPort: number;

  beforeAll(async () => {
    [dnsPort, healthPort, readyPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-lameduck-'));
    writeFileSync(
      join(dir, 'Corefile'),
      `.:${dnsPort} {
    errors
    health 127.0.0.1:${healthPort} {
        lameduck 2s
    }
    ready 127.0.0.1:${readyPort}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        manifests ${manifests}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus 127.0.0.1:${metricsPort}
}
`,
    );
    run = runCli(['-conf', 'Corefile'], { cwd: dir });
    await run.waitFor(`.:${dnsPort}`);
  });
  afterAll(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /health and /ready, and DNS from the manifests', async () => {
    expect(await httpGet(healthPort, '/health')).toMatchObject({ status: 200, body: 'OK' });
    expect(await httpGet(readyPort, '/ready')).toMatchObject({ status: 200, body: 'OK' });
    const answer = await dig('kubernetes.default.svc.cluster.local', { port: dnsPort });
    expect(answer.status).toBe('NOERROR');
    expect(answer.answer).toHaveLength(1);
  });

  it('times its own /health once a second into coredns_health_request_duration_seconds', async () => {
    const metrics = await eventually(
      async () => (await httpGet(metricsPort, '/metrics')).body,
      (text) => (sample(text, 'coredns_health_request_duration_seconds_count') ?? 0) >= 1,
      'a health self-check',
    );
    expect(sample(metrics, 'coredns_health_request_failures_total')).toBe(0);
    expect(sample(metrics, 'coredns_plugin_enabled', { server: `dns://:${dnsPort}`, zone: '.', view: '', name: 'kubernetes' })).toBe(1);
  });

  it('keeps answering DNS and /health through the lameduck after SIGTERM, fails /ready, then exits 0', async () => {
    run.child.kill('SIGTERM');
    await run.waitFor('SIGTERM: Shutting down servers then terminating');
    expect(await httpGet(readyPort, '/ready')).toMatchObject({ status: 503, body: 'Shutting down' });
    expect(await httpGet(healthPort, '/health')).toMatchObject({ status: 200, body: 'OK' });
    expect((await dig('kubernetes.default.svc.cluster.local', { port: dnsPort })).status).toBe('NOERROR');
    expect((await dig('kubernetes.default.svc.cluster.local', { port: dnsPort, tcp: true })).status).toBe('NOERROR');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('Going into lameduck mode for 2s');
    await expect(httpGet(healthPort, '/health')).rejects.toThrow(/ECONNREFUSED/);
  });
});
