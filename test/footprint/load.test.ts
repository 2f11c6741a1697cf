import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../scripts/bench/prng.ts';
import { podIpOf, type ClusterLayout } from '../../scripts/footprint/objects.ts';
import { burstQueries, roundKinds, type BurstQuery } from '../../scripts/footprint/queries.ts';
import { classify, encodeQuery, readReplyHeader, setId } from '../../scripts/footprint/wire.ts';

const layout: ClusterLayout = { services: 10_000, endpointsPerService: 5, pods: 0, namespaces: 50, seed: 1 };

function take(count: number, withLayout: ClusterLayout): BurstQuery[] {
  const stream = burstQueries(seededRandom(3), withLayout);
  return Array.from({ length: count }, () => stream.next().value as BurstQuery);
}

describe('the burst: names as pods ask them', () => {
  it('holds per 100 queries 60 positive A, 25 NXDOMAIN misses, 10 AAAA NODATA and 5 SRV', () => {
    expect(roundKinds(false)).toHaveLength(20);
    const queries = take(10_000, layout);
    const share = (test: (q: BurstQuery) => boolean): number => queries.filter(test).length / 100;
    expect(share((q) => q.type === 'A' && q.expected === 'answer')).toBe(60);
    expect(share((q) => q.type === 'A' && q.expected === 'nxdomain')).toBe(25);
    expect(share((q) => q.type === 'AAAA' && q.expected === 'nodata')).toBe(10);
    expect(share((q) => q.type === 'SRV' && q.expected === 'answer')).toBe(5);
    expect(queries.some((q) => q.name.includes('.pod.'))).toBe(false);
  });

  it('asks for services that exist in their namespace, and misses as a search path makes them', () => {
    const queries = take(2000, layout);
    for (const q of queries.filter((q) => q.expected !== 'nxdomain')) {
      const match = /^(?:_http\._tcp\.)?svc-(\d+)\.ns-(\d+)\.svc\.cluster\.local$/.exec(q.name);
      expect(match, q.name).not.toBeNull();
      expect(Number(match![1]) % 50).toBe(Number(match![2]));
      expect(Number(match![1])).toBeLessThan(10_000);
    }
    for (const q of queries.filter((q) => q.expected === 'nxdomain')) {
      expect(q.name).toMatch(/\.cluster\.local$/);
      expect(q.name).toMatch(/^svc-\d+\.ns-\d+\.ns-\d+\.svc\.cluster\.local$|\.svc\.cluster\.local\.(ns-\d+\.svc\.|svc\.)?cluster\.local$|^[a-z.]+\.com\.|^registry\.npmjs\.org\./);
    }
    expect(new Set(queries.map((q) => q.name)).size).toBeGreaterThan(1500);
  });

  it('with pods, asks 10 in 100 for pods by address in their namespace', () => {
    const queries = take(10_000, { ...layout, pods: 50_000 });
    const pods = queries.filter((q) => q.name.endsWith('.pod.cluster.local'));
    expect(pods).toHaveLength(1000);
    expect(queries.filter((q) => q.type === 'A' && q.expected === 'answer')).toHaveLength(6000);
    for (const q of pods.slice(0, 100)) {
      const [dashed, namespace] = q.name.split('.') as [string, string];
      const [, b, c, d] = dashed.split('-').map(Number) as [number, number, number, number];
      const pod = ((b << 16) | (c << 8) | d) - 1;
      expect(podIpOf(pod)).toBe(dashed.replaceAll('-', '.'));
      expect(namespace).toBe(`ns-${Math.floor(pod / 5) % 50}`);
    }
  });

  it('is the same stream for the same seed', () => {
    expect(take(100, layout)).toEqual(take(100, layout));
  });
});

describe('the load generator wire format', () => {
  it('encodes a query dns-packet reads back', () => {
    const packet = encodeQuery('_http._tcp.svc-1.ns-1.svc.cluster.local', 'SRV');
    setId(packet, 0x1234);
    const decoded = dnsPacket.decode(packet);
    expect(decoded.id).toBe(0x1234);
    expect(decoded.flags! & dnsPacket.RECURSION_DESIRED).toBeTruthy();
    expect(decoded.questions).toEqual([{ name: '_http._tcp.svc-1.ns-1.svc.cluster.local', type: 'SRV', class: 'IN' }]);
    expect(dnsPacket.decode(encodeQuery('svc-1.ns-1.svc.cluster.local.', 'AAAA')).questions![0]!.type).toBe('AAAA');
  });

  it('reads and classifies reply headers', () => {
    const RCODES: Record<string, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 };
    // dns-packet takes the RCODE as the low four bits of the flags.
    const reply = (rcode: string, answers: dnsPacket.Answer[]): Buffer =>
      dnsPacket.encode({ type: 'response', id: 7, flags: dnsPacket.AUTHORITATIVE_ANSWER | RCODES[rcode]!, questions: [{ name: 'a.b', type: 'A' }], answers });
    const answer = readReplyHeader(reply('NOERROR', [{ name: 'a.b', type: 'A', data: '10.0.0.1' }]))!;
    expect(answer).toEqual({ id: 7, rcode: 0, answers: 1, truncated: false });
    expect(classify(answer)).toBe('answer');
    expect(classify(readReplyHeader(reply('NOERROR', []))!)).toBe('nodata');
    expect(classify(readReplyHeader(reply('NXDOMAIN', []))!)).toBe('nxdomain');
    expect(classify(readReplyHeader(reply('SERVFAIL', []))!)).toBe('other');
    expect(readReplyHeader(encodeQuery('a.b', 'A'))).toBeNull();
    expect(readReplyHeader(Buffer.alloc(5))).toBeNull();
  });
});
