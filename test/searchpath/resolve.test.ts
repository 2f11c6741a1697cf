import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runResolveCommand, runResolvConfCommand } from '../../src/resolver/cli.ts';
import { runCli } from '../../src/test-support/cli.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const manifests = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');

/** Runs a subcommand in this process, collecting what it prints. */
async function run(command: typeof runResolveCommand, argv: readonly string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await command(argv, { out: (text) => void (out += text), err: (text) => void (err += text) });
  return { status, out, err };
}

/** The `;; try N: NAME TYPE: RESULT` lines, as `NAME RESULT-WORD`. */
function tries(out: string): string[] {
  return out
    .split('\n')
    .filter((line) => line.startsWith(';; try '))
    .map((line) => {
      const match = /^;; try \d+: (\S+) \S+: (\S+?),/.exec(line);
      return match ? `${match[1]} ${match[2]}` : line;
    });
}

describe('clusterdns resolve against the real server with the bundled example cluster', () => {
  let server: TestServer;
  let dir: string;
  let at: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-resolve-'));
    // The bundled example's block, on a free port.
    server = await startTestServer(
      `. {\n kubernetes cluster.local in-addr.arpa ip6.arpa {\n  manifests ${manifests}\n  pods insecure\n  fallthrough in-addr.arpa ip6.arpa\n  ttl 5\n }\n}\n`,
    );
    at = `127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a service of the pod namespace with the first search domain', async () => {
    const { status, out } = await run(runResolveCommand, ['myservice', '--namespace', 'default', '--server', at]);
    expect(status).toBe(0);
    expect(tries(out)).toEqual(['myservice.default.svc.cluster.local. NOERROR']);
    expect(out).toMatch(/^;; ANSWER SECTION:\nmyservice\.default\.svc\.cluster\.local\.\t5\tIN\tA\t\S+$/m);
  });

  it('shows every try of a name nobody has, and exits 1', async () => {
    const { status, out } = await run(runResolveCommand, ['nope', '--namespace', 'default', '--server', at, '--timeout', '2', '--attempts', '1']);
    expect(status).toBe(1);
    // The bare name leaves the cluster zone, and this block has nothing after kubernetes.
    expect(tries(out)).toEqual([
      'nope.default.svc.cluster.local. NXDOMAIN',
      'nope.svc.cluster.local. NXDOMAIN',
      'nope.cluster.local. NXDOMAIN',
      'nope. SERVFAIL',
    ]);
    expect(out).toContain(';; nope: no answer or server failure (TRY_AGAIN)');
  });

  it('walks on to the next domain for `service.namespace`, and answers SRV over TCP', async () => {
    const walked = await run(runResolveCommand, ['myservice.default', '--namespace', 'shop', '--server', at]);
    expect(tries(walked.out)).toEqual(['myservice.default.shop.svc.cluster.local. NXDOMAIN', 'myservice.default.svc.cluster.local. NOERROR']);
    const srv = await run(runResolveCommand, ['_http._tcp.myservice.default.svc.cluster.local.', '--type', 'SRV', '--server', at, '--tcp', '--namespace', 'x']);
    expect(srv.status).toBe(0);
    expect(srv.out).toMatch(/\(127\.0\.0\.1:\d+ tcp\)/);
    expect(srv.out).toMatch(/\tIN\tSRV\t0 \d+ \d+ myservice\.default\.svc\.cluster\.local\./);
  });

  it('reads search, ndots and nameserver from a resolv.conf file', async () => {
    const file = join(dir, 'resolv.conf');
    writeFileSync(file, `nameserver 127.0.0.1\nsearch svc.cluster.local cluster.local\noptions ndots:1 timeout:2 attempts:1\n`);
    const { status, out } = await run(runResolveCommand, ['myservice.default', '--resolv-conf', file, '--server', at]);
    expect(status).toBe(0);
    // One dot meets ndots:1, so the name goes out as it is first.
    expect(tries(out)).toEqual(['myservice.default. SERVFAIL', 'myservice.default.svc.cluster.local. NOERROR']);
  });

  it('refuses a bad command line with usage and status 2', async () => {
    expect((await run(runResolveCommand, [])).status).toBe(2);
    expect((await run(runResolveCommand, ['a', '--type', 'BOGUS'])).err).toContain('unknown record type "BOGUS"');
    expect((await run(runResolveCommand, ['a', '--namespace', 'x', '--resolv-conf', '/etc/resolv.conf'])).status).toBe(2);
    expect((await run(runResolveCommand, ['a', '--server', 'nowhere'])).status).toBe(2);
  });

  it('is dispatched by the clusterdns command, as is resolv-conf', async () => {
    const resolve = runCli(['resolve', 'myservice', '--namespace', 'default', '--server', at]);
    expect(await resolve.exited).toBe(0);
    expect(resolve.stdout()).toContain('myservice.default.svc.cluster.local.\t5\tIN\tA\t');
    const conf = runCli(['resolv-conf', '--namespace', 'shop']);
    expect(await conf.exited).toBe(0);
    expect(conf.stdout()).toBe('search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });
});

describe('clusterdns resolv-conf', () => {
  it('prints the ClusterFirst resolv.conf for other cluster domains and nameservers', async () => {
    const { status, out } = await run(runResolvConfCommand, ['--namespace', 'dev', '--nameserver', '10.0.0.10,fd00::10', '--cluster-domain', 'corp.local']);
    expect(status).toBe(0);
    expect(out).toBe('search dev.svc.corp.local svc.corp.local corp.local\nnameserver 10.0.0.10\nnameserver fd00::10\noptions ndots:5\n');
  });

  it('needs a namespace', async () => {
    const { status, err } = await run(runResolvConfCommand, []);
    expect(status).toBe(2);
    expect(err).toContain('--namespace is required');
  });
});
