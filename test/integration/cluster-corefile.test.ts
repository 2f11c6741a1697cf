import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/test-support/cli.ts';
import { dig } from '../../src/test-support/dig.ts';
import { sharedTestPki, type TestPki } from '../../src/test-support/pki.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const run = promisify(execFile);
const CLUSTER = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');

/**
 * One Corefile with every directive a cluster's ConfigMap may carry beyond kubeadm's: template,
 * acl, rewrite's response rules, weighted loadbalance, local, minimal, bufsize, forward over TLS
 * and HTTPS to this same server's DoT and DoH blocks, which are served with the tls plugin.
 */
function corefile(ports: { dns: number; tls: number; https: number }, pki: TestPki, weights: string): string {
  return `tls://.:${ports.tls} https://.:${ports.https} {
    tls ${pki.serverCertPath} ${pki.serverKeyPath}
    https {
        max_connections 50
    }
    hosts {
        192.0.2.10 over-tls.example.test
        192.0.2.11 over-https.doh.test
    }
}
.:${ports.dns} {
    bufsize 1232
    errors
    log
    acl {
        block type AXFR
        allow
    }
    local
    loadbalance weighted ${weights} {
        reload 0s
    }
    rewrite continue ttl exact shared.example.test. 7
    rewrite name exact alias.example.test. myservice.default.svc.cluster.local.
    minimal
    template IN A ip.example.test {
        match "^ip-(?P<a>[0-9]+)-(?P<b>[0-9]+)-(?P<c>[0-9]+)-(?P<d>[0-9]+)[.]ip[.]example[.]test[.]$"
        answer "{{ .Name }} 60 IN A {{ .Group.a }}.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
    }
    template IN AAAA example.test {
        rcode NOERROR
    }
    hosts {
        192.0.2.21 shared.example.test
        192.0.2.22 shared.example.test
        fallthrough
    }
    kubernetes cluster.local {
        manifests ${CLUSTER}
    }
    forward doh.test https://127.0.0.1:${ports.https} {
        tls ${pki.caPath}
        tls_servername localhost
    }
    forward . tls://127.0.0.1:${ports.tls} {
        tls ${pki.caPath}
        tls_servername localhost
    }
}
`;
}

describe("a cluster's whole Corefile", () => {
  let dir: string;
  let text: string;
  let server: TestServer;
  let port: number;

  beforeAll(async () => {
    const pki = await sharedTestPki();
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-corefile-'));
    const weights = join(dir, 'weights');
    writeFileSync(weights, 'shared.example.test\n192.0.2.22 255\n192.0.2.21 1\n');
    const ports = { dns: await freePort(), tls: await freePort(), https: await freePort() };
    text = corefile(ports, pki, weights);
    server = await startTestServer(text);
    port = ports.dns;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes -validate', async () => {
    writeFileSync(join(dir, 'Corefile'), text);
    const check = runCli(['-validate', '-conf', join(dir, 'Corefile')]);
    expect(await check.exited).toBe(0);
    expect(check.stdout()).toMatch(/valid \(2 server blocks, 18 directives\)/);
  });

  it('answers through each plugin', async () => {
    const answers = async (name: string, type = 'A') => (await dig(name, { port, type })).answer.map((record) => record.data);
    expect(await answers('ip-10-1-2-3.ip.example.test')).toEqual(['10.1.2.3']);
    expect(await dig('shared.example.test', { port, type: 'AAAA' }).then((result) => [result.status, result.answer.length])).toEqual(['NOERROR', 0]);
    expect(await answers('localhost')).toEqual(['127.0.0.1']);
    expect(await answers('alias.example.test')).toEqual(await answers('myservice.default.svc.cluster.local'));
    const shared = await dig('shared.example.test', { port });
    expect(shared.answer.map((record) => record.ttl)).toEqual([7, 7]);
    expect(await answers('over-tls.example.test')).toEqual(['192.0.2.10']);
    expect(await answers('over-https.doh.test')).toEqual(['192.0.2.11']);
    const transfer = await dig('cluster.local', { port, type: 'AXFR', tcp: true }).catch((error: Error) => error.message);
    expect(typeof transfer === 'string' ? transfer : transfer.status).toMatch(/REFUSED|Transfer failed/);
  });

  it('puts the heavy address first for loadbalance weighted', async () => {
    let first22 = 0;
    for (let i = 0; i < 10; i++) if ((await dig('shared.example.test', { port })).answer[0]?.data === '192.0.2.22') first22++;
    expect(first22).toBeGreaterThanOrEqual(8);
  });

  it('answers DoT and DoH clients itself', async () => {
    const pki = await sharedTestPki();
    const ask = async (scheme: 'tls' | 'https') => {
      const listener = server.server.listeners.find((candidate) => candidate.scheme === scheme)!;
      const args = ['@127.0.0.1', '-p', String(listener.port), 'over-tls.example.test', `+${scheme}`, '+short', `+tls-ca=${pki.caPath}`, '+tls-hostname=localhost'];
      return (await run('kdig', args, { timeout: 15_000 })).stdout.trim();
    };
    expect([await ask('tls'), await ask('https')]).toEqual(['192.0.2.10', '192.0.2.10']);
  });
});
