import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { renderMetrics } from '../../src/metrics/registry.ts';
import { parseDigOutput } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

/**
 * This file's client addresses: 127.0.0.61-69 (dig -b). One response every 10 s is the allowance
 * everywhere, so a burst of dig runs is over it however slowly the machine runs them.
 */
const CLIENT = { flooder: '127.0.0.61', other: '127.0.0.62', reported: '127.0.0.63', tcp: '127.0.0.64' };
const PODS = { batch1: '127.0.0.65', batch2: '127.0.0.66', shop: '127.0.0.67', nodeA: '127.0.0.68', nodeB: '127.0.0.69' };

const COREFILE = (manifests: string) => `limited.test {
    rrl {
        responses-per-second 0.1
        ipv4-prefix-length 32
        slip-ratio 2
    }
    whoami
}
reported.test {
    rrl {
        responses-per-second 0.1
        ipv4-prefix-length 32
        report-only
    }
    whoami
}
requests.test {
    rrl {
        requests-per-second 0.1
        ipv4-prefix-length 32
    }
    whoami
}
cluster.local {
    rrl {
        responses-per-second 0.1
        per-namespace
    }
    kubernetes {
        manifests ${manifests}
    }
}
`;

function pod(namespace: string, name: string, ip: string): string {
  return `---
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${namespace} }
spec: { containers: [{ name: c, image: c }] }
status: { phase: Running, podIP: ${ip}, conditions: [{ type: Ready, status: "True" }] }
`;
}

const MANIFESTS = `apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec: { clusterIP: 127.10.61.1, ports: [{ port: 80 }] }
${pod('batch', 'job-1', PODS.batch1)}${pod('batch', 'job-2', PODS.batch2)}${pod('shop', 'web', PODS.shop)}`;

interface Heard {
  readonly status: string | null;
  readonly flags: readonly string[];
  /** Records in the answer and additional sections (whoami answers in the additional one). */
  readonly records: number;
  readonly retriedOverTcp: boolean;
}

describe('rrl: response rate limiting over the wire', () => {
  let dir: string;
  let server: TestServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clusterdns-rrl-'));
    const manifests = join(dir, 'cluster.yaml');
    await writeFile(manifests, MANIFESTS);
    server = await startTestServer(COREFILE(manifests));
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** One dig from `source`; status null when nothing came back within its second. */
  function ask(name: string, source: string, flags: string[] = []): Promise<Heard> {
    const args = ['@127.0.0.1', '-p', String(server.port), '-b', source, name, 'A', '+time=1', '+tries=1', ...flags];
    return new Promise((resolve, reject) => {
      execFile('dig', args, { timeout: 10_000 }, (error, stdout) => {
        if (/connection timed out|no servers could be reached/.test(stdout)) {
          resolve({ status: null, flags: [], records: 0, retriedOverTcp: false });
          return;
        }
        if (error && !stdout) {
          reject(error);
          return;
        }
        const result = parseDigOutput(stdout);
        resolve({ status: result.status, flags: result.flags, records: result.answer.length + result.additional.length, retriedOverTcp: result.retriedOverTcp });
      });
    });
  }

  function exceeded(kind: 'responses' | 'requests', client: string): number {
    const line = renderMetrics(silentLogger)
      .split('\n')
      .find((text) => text.startsWith(`coredns_rrl_${kind}_exceeded_total{client_ip="${client}"}`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  }

  it('drops a burst over the rate, lets every second drop slip with TC, and the retry over TCP is answered; another client is answered meanwhile', async () => {
    const name = 'www.limited.test';
    const first = await ask(name, CLIENT.flooder);
    expect(first).toMatchObject({ status: 'NOERROR', retriedOverTcp: false });
    expect(first.records).toBeGreaterThan(0);
    expect((await ask(name, CLIENT.flooder)).status).toBeNull();
    // The second drop slips: an empty answer with TC, shown as is with +ignore.
    const slipped = await ask(name, CLIENT.flooder, ['+ignore']);
    expect(slipped.flags).toContain('tc');
    expect(slipped.records).toBe(0);
    expect((await ask(name, CLIENT.flooder)).status).toBeNull();
    // Without +ignore dig retries the slipped answer over TCP, which rrl does not limit.
    const retried = await ask(name, CLIENT.flooder);
    expect(retried).toMatchObject({ status: 'NOERROR', retriedOverTcp: true });
    expect(retried.records).toBeGreaterThan(0);
    // Over TCP from the start: answered too.
    expect((await ask(name, CLIENT.flooder, ['+tcp'])).status).toBe('NOERROR');

    expect((await ask(name, CLIENT.other)).status).toBe('NOERROR');
    expect(exceeded('responses', CLIENT.flooder)).toBe(4);
    expect(exceeded('responses', CLIENT.other)).toBe(0);
  });

  it('in report-only, answers the whole burst and counts what exceeded', async () => {
    const heard = [];
    for (let i = 0; i < 4; i++) heard.push((await ask('www.reported.test', CLIENT.reported)).status);
    expect(heard).toEqual(['NOERROR', 'NOERROR', 'NOERROR', 'NOERROR']);
    expect(exceeded('responses', CLIENT.reported)).toBe(3);
  });

  it('limits requests over TCP too: the second gets no answer', async () => {
    expect((await ask('a.requests.test', CLIENT.tcp, ['+tcp'])).status).toBe('NOERROR');
    expect((await ask('b.requests.test', CLIENT.tcp, ['+tcp'])).status).toBeNull();
    expect(exceeded('requests', CLIENT.tcp)).toBe(1);
  });

  it('with per-namespace, accounts pods by namespace and other clients by prefix', async () => {
    const name = 'api.default.svc.cluster.local';
    expect((await ask(name, PODS.batch1)).status).toBe('NOERROR');
    // Another pod of batch shares its account.
    expect((await ask(name, PODS.batch2)).status).toBeNull();
    // shop's pod, in the same /24, has its own.
    expect((await ask(name, PODS.shop)).status).toBe('NOERROR');
    // Addresses that are no pod share their /24's account, apart from the namespaces'.
    expect((await ask(name, PODS.nodeA)).status).toBe('NOERROR');
    expect((await ask(name, PODS.nodeB)).status).toBeNull();
  });
});
