import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCachePlugin } from '../../src/plugins/cache/index.ts';
import { ManualClock } from '../../src/test-support/cache.ts';
import { dig, type DigResult } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const manifests = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');

/**
 * kubeadm's default Corefile without forward (whoami stands in for the node's resolvers) and
 * without the probe and metrics plugins, which listen on fixed ports.
 */
const corefile = `.:53 {
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       manifests ${manifests}
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loadbalance
    whoami
}
`;

/** The client port whoami saw, from the SRV record it puts in the additional section. */
function whoamiPort(result: DigResult): number {
  const srv = result.additional.find((record) => record.type === 'SRV');
  if (srv === undefined) throw new Error(`no SRV in\n${result.output}`);
  return Number(srv.data.split(' ')[2]);
}

describe('kubeadm-like Corefile: kubernetes, cache and loadbalance over dig', () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(corefile, { extraPlugins: [createCachePlugin(clock)] });
  });
  afterAll(async () => server?.stop());

  it('answers cluster names with the plugin TTL, uncached, and denies with the SOA', async () => {
    const service = await dig('myservice.default.svc.cluster.local', { port: server.port });
    expect(service.status).toBe('NOERROR');
    expect(service.answer.map((r) => [r.ttl, r.type, r.data])).toEqual([[30, 'A', '127.10.0.80']]);
    clock.advance(10);
    const again = await dig('myservice.default.svc.cluster.local', { port: server.port });
    // Not cached: the plugin's TTL again, not one counted down.
    expect(again.answer.map((r) => r.ttl)).toEqual([30]);
    const missing = await dig('nothere.default.svc.cluster.local', { port: server.port });
    expect(missing.status).toBe('NXDOMAIN');
    expect(missing.authority.map((r) => [r.type, r.ttl])).toEqual([['SOA', 30]]);
  });

  it('rotates the addresses of a headless service across queries', async () => {
    const firsts = new Set<string>();
    let all: string[] | null = null;
    for (let i = 0; i < 24 && firsts.size < 2; i++) {
      const result = await dig('web.default.svc.cluster.local', { port: server.port });
      const addresses = result.answer.map((r) => r.data);
      all ??= [...addresses].sort();
      expect([...addresses].sort()).toEqual(all);
      firsts.add(addresses[0]!);
    }
    expect(all).toEqual(['10.244.1.10', '10.244.2.11']);
    expect(firsts.size).toBe(2);
  });

  it('caches other names: the second client gets the first answer, its TTL counting down', async () => {
    const first = await dig('example.org', { port: server.port });
    expect(first.status).toBe('NOERROR');
    // whoami's TTL 0 is raised to the cache's 5 s minimum.
    expect(first.additional.map((r) => r.ttl)).toEqual([5, 5]);
    clock.advance(3);
    const second = await dig('Example.ORG', { port: server.port });
    expect(whoamiPort(second)).toBe(whoamiPort(first));
    expect(second.additional.map((r) => r.ttl)).toEqual([2, 2]);
    expect(second.flags).toContain('aa');
    expect(second.question).toBe('Example.ORG. IN A');
    clock.advance(2);
    const third = await dig('example.org', { port: server.port });
    expect(third.additional.map((r) => r.ttl)).toEqual([5, 5]);
  });

  it('keeps DNSSEC-OK queries in entries of their own', async () => {
    const plain = await dig('dnssec.example.org', { port: server.port });
    const withDo = await dig('dnssec.example.org', { port: server.port, flags: ['+dnssec'] });
    const plainAgain = await dig('dnssec.example.org', { port: server.port });
    expect(whoamiPort(withDo)).not.toBe(whoamiPort(plain));
    expect(whoamiPort(plainAgain)).toBe(whoamiPort(plain));
  });
});

describe('any over dig', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('. {\n any\n whoami\n}\n');
  });
  afterAll(async () => server?.stop());

  it('answers ANY with the RFC 8482 HINFO and passes other types to whoami', async () => {
    const result = await dig('Example.org', { port: server.port, type: 'ANY' });
    expect(result.status).toBe('NOERROR');
    expect(result.answer).toEqual([{ name: 'Example.org.', ttl: 8482, class: 'IN', type: 'HINFO', data: '"ANY obsoleted" "See RFC 8482"' }]);
    expect(result.flags).not.toContain('aa');
    const other = await dig('example.org', { port: server.port, type: 'TXT' });
    expect(other.additional.map((r) => r.type)).toEqual(['A', 'SRV']);
  });
});
