import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage, type DecodedRecord } from '../../dns/message.ts';
import { prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Query, Reply, ResourceRecord } from '../../dns/types.ts';
import { seededRandom } from '../../test-support/random.ts';
import { queryFor } from '../../test-support/request.ts';
import { MAX_KEPT_ORDERS, WeightedBalancer, type Weights } from './weighted.ts';
import { parseWeightFile } from './weightfile.ts';

const a = (name: string, address: string): ResourceRecord => ({ name, type: RRType.A, ttl: 300, address });
const aaaa = (name: string, address: string): ResourceRecord => ({ name, type: RRType.AAAA, ttl: 300, address });
const cname = (name: string, target: string): ResourceRecord => ({ name, type: RRType.CNAME, ttl: 300, target });
const mx = (name: string, preference: number, exchange: string): ResourceRecord => ({ name, type: RRType.MX, ttl: 300, preference, exchange });
const txt = (name: string, text: string): ResourceRecord => ({ name, type: RRType.TXT, ttl: 300, text: [text] });

function build(qname: string, answer: ResourceRecord[], additional: ResourceRecord[] = [], rcode: number = RCode.NOERROR): Reply {
  return prepareReply({ rcode, flags: HeaderFlag.AA, qname, sections: { answer, authority: [], additional } });
}

function weights(text: string): Weights {
  return { table: parseWeightFile(text, 'weights'), generation: 1 };
}

function describeRecord(record: DecodedRecord): string {
  if ('address' in record) return record.address;
  if ('target' in record) return `${record.name} -> ${record.target}`;
  if ('exchange' in record) return `mx ${record.preference}`;
  return `${record.name} ${record.type}`;
}

function sections(query: Query, reply: Reply): { answer: string[]; additional: string[] } {
  const message = decodeMessage(encodeResponse(query, reply, 65535));
  return { answer: message.answer.map(describeRecord), additional: message.additional.map(describeRecord) };
}

const firstAddress = (records: readonly string[]) => records.find((record) => /^[\d:]/.test(record));

/** A random source returning `values[i] / total` (plus half a step, so that the draw lands on the value). */
function scripted(total: number, values: readonly number[]): () => number {
  let next = 0;
  return () => ((values[next++ % values.length] as number) + 0.5) / total;
}

/** How often each address comes first over `draws` queries. */
function firstCounts(balancer: WeightedBalancer, query: Query, reply: Reply, draws: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < draws; i++) {
    const first = firstAddress(sections(query, balancer.balance(query, reply)).answer) as string;
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return counts;
}

describe('loadbalance weighted: which address comes first', () => {
  // CoreDNS's weighted_test.go cases: the same random numbers pick the same addresses.
  const twoDomains = weights(`
endpoint.region2.skydns.test
10.240.0.2 5
10.240.0.1 2
endpoint.region1.skydns.test
::2 4
::1 3
`);

  it('draws among all address records of a section, each weighed under its own name, CNAMEs first and MX last', () => {
    const query = queryFor('endpoint.region2.skydns.test', RRType.SRV);
    const answer = [
      cname('cname1.region2.skydns.test', 'cname2.region2.skydns.test'),
      cname('cname2.region2.skydns.test', 'cname3.region2.skydns.test'),
      cname('cname5.region2.skydns.test', 'cname6.region2.skydns.test'),
      cname('cname6.region2.skydns.test', 'endpoint.region2.skydns.test'),
      a('endpoint.region2.skydns.test', '10.240.0.1'),
      a('endpoint.region2.skydns.test', '10.240.0.2'),
      a('endpoint.region2.skydns.test', '10.240.0.3'),
      aaaa('endpoint.region1.skydns.test', '::1'),
      aaaa('endpoint.region1.skydns.test', '::2'),
      mx('mx.region2.skydns.test', 1, 'mx1.region2.skydns.test'),
      mx('mx.region2.skydns.test', 2, 'mx2.region2.skydns.test'),
      mx('mx.region2.skydns.test', 3, 'mx3.region2.skydns.test'),
    ];
    const additional = [
      cname('cname6.region2.skydns.test', 'endpoint.region2.skydns.test'),
      a('endpoint.region2.skydns.test', '10.240.0.1'),
      a('endpoint.region2.skydns.test', '10.240.0.2'),
      a('endpoint.region2.skydns.test', '10.240.0.3'),
      aaaa('endpoint.region1.skydns.test', '::1'),
      aaaa('endpoint.region1.skydns.test', '::2'),
      mx('mx.region2.skydns.test', 1, 'mx1.region2.skydns.test'),
    ];
    const reply = build('endpoint.region2.skydns.test', answer, additional);
    const cases: [number, string][] = [
      [0, '10.240.0.2'],
      [4, '10.240.0.2'],
      [5, '::2'],
      [8, '::2'],
      [9, '::1'],
      [11, '::1'],
      [12, '10.240.0.1'],
      [13, '10.240.0.1'],
      // 10.240.0.3 is not in the file: weight 1.
      [14, '10.240.0.3'],
    ];
    for (const [value, top] of cases) {
      const balancer = new WeightedBalancer(twoDomains, scripted(15, [value]));
      const result = sections(query, balancer.balance(query, reply));
      expect([value, firstAddress(result.answer)]).toEqual([value, top]);
      expect([value, firstAddress(result.additional)]).toEqual([value, top]);
      expect(result.answer.slice(0, 4).every((record) => record.includes(' -> '))).toBe(true);
      expect(result.answer.slice(9)).toEqual(['mx 1', 'mx 2', 'mx 3']);
      expect([...result.answer].sort()).toEqual(sections(query, reply).answer.sort());
    }
  });

  it('swaps the drawn address with the first, the others staying where they were', () => {
    const query = queryFor('endpoint.region2.skydns.test', RRType.A);
    const reply = build('endpoint.region2.skydns.test', [
      a('endpoint.region2.skydns.test', '10.240.0.1'),
      mx('mx.region2.skydns.test', 1, 'mx1.region2.skydns.test'),
      cname('cname.region2.skydns.test', 'endpoint.region2.skydns.test'),
      a('endpoint.region2.skydns.test', '10.240.0.2'),
      a('endpoint.region1.skydns.test', '10.240.0.3'),
    ]);
    const oneDomain = weights('endpoint.region2.skydns.test\n10.240.0.2 3\n10.240.0.1 2\n');
    const orderFor = (value: number) => sections(query, new WeightedBalancer(oneDomain, scripted(6, [value])).balance(query, reply)).answer;
    const chain = 'cname.region2.skydns.test -> endpoint.region2.skydns.test';
    expect(orderFor(0)).toEqual([chain, '10.240.0.2', '10.240.0.1', '10.240.0.3', 'mx 1']);
    expect(orderFor(3)).toEqual([chain, '10.240.0.1', '10.240.0.2', '10.240.0.3', 'mx 1']);
    expect(orderFor(5)).toEqual([chain, '10.240.0.3', '10.240.0.2', '10.240.0.1', 'mx 1']);
  });

  it('puts other records between the CNAMEs and the addresses', () => {
    const query = queryFor('web.example.org', RRType.A);
    const reply = build('web.example.org', [a('web.example.org', '10.0.0.1'), txt('web.example.org', 'x'), a('web.example.org', '10.0.0.2')]);
    const balancer = new WeightedBalancer(weights('web.example.org\n10.0.0.2 1\n'), scripted(2, [0]));
    expect(sections(query, balancer.balance(query, reply)).answer).toEqual(['web.example.org 16', '10.0.0.1', '10.0.0.2']);
  });

  it('weighs the addresses of a CNAME chain under the name that owns them', () => {
    const query = queryFor('alias.example.org', RRType.A);
    const reply = build('alias.example.org', [
      cname('alias.example.org', 'target.example.org'),
      a('target.example.org', '10.0.0.1'),
      a('target.example.org', '10.0.0.2'),
    ]);
    const byTarget = new WeightedBalancer(weights('Target.Example.ORG.\n10.0.0.2 255\n'), seededRandom(7));
    expect(firstCounts(byTarget, query, reply, 200).get('10.0.0.2')).toBeGreaterThan(190);
    const byAlias = new WeightedBalancer(weights('alias.example.org\n10.0.0.2 255\n'), seededRandom(7));
    expect(firstCounts(byAlias, query, reply, 200).get('10.0.0.2')).toBeLessThan(150);
  });

  it('puts addresses first in proportion to their weights, and spreads unlisted names evenly', () => {
    const query = queryFor('www.example.com', RRType.A);
    const addresses = ['100.64.1.1', '100.64.1.2', '100.64.1.3'];
    const reply = build('www.example.com', addresses.map((address) => a('www.example.com', address)));
    const draws = 60_000;
    const weighted = new WeightedBalancer(weights('www.example.com\n100.64.1.1 3\n100.64.1.2 1\n100.64.1.3 2\n'), seededRandom(20240601));
    const counts = firstCounts(weighted, query, reply, draws);
    // Expected shares 3:1:2; each bound is some ten standard deviations wide.
    expect(Math.abs((counts.get('100.64.1.1') ?? 0) / draws - 3 / 6)).toBeLessThan(0.02);
    expect(Math.abs((counts.get('100.64.1.2') ?? 0) / draws - 1 / 6)).toBeLessThan(0.02);
    expect(Math.abs((counts.get('100.64.1.3') ?? 0) / draws - 2 / 6)).toBeLessThan(0.02);

    const unlisted = new WeightedBalancer(weights('other.example.com\n100.64.1.1 200\n'), seededRandom(99));
    for (const address of addresses) {
      expect(Math.abs((firstCounts(unlisted, query, reply, draws / 2).get(address) ?? 0) / (draws / 2) - 1 / 3)).toBeLessThan(0.02);
    }
  });

  it('follows a new weight table as soon as it is in use', () => {
    const query = queryFor('web.example.org', RRType.A);
    const reply = build('web.example.org', [a('web.example.org', '10.0.0.1'), a('web.example.org', '10.0.0.2')]);
    const source = { table: parseWeightFile('web.example.org\n10.0.0.2 255\n', 'w'), generation: 1 };
    const balancer = new WeightedBalancer(source, seededRandom(3));
    expect(firstCounts(balancer, query, reply, 100).get('10.0.0.2')).toBeGreaterThan(90);
    source.table = parseWeightFile('web.example.org\n10.0.0.1 255\n', 'w');
    source.generation = 2;
    expect(firstCounts(balancer, query, reply, 100).get('10.0.0.1')).toBeGreaterThan(90);
  });
});

describe('loadbalance weighted: what it leaves alone and what it keeps', () => {
  const table = weights('web.example.org\n10.0.0.1 1\n10.0.0.2 9\n');
  const twoAddresses = () => build('web.example.org', [a('web.example.org', '10.0.0.1'), a('web.example.org', '10.0.0.2')]);

  it('leaves errors, other question types and sections without addresses as they are, returning the same object', () => {
    const balancer = new WeightedBalancer(table, () => 0.99);
    const reply = twoAddresses();
    for (const type of [RRType.MX, RRType.TXT, RRType.ANY, RRType.CNAME]) {
      expect(balancer.balance(queryFor('web.example.org', type), reply)).toBe(reply);
    }
    const nxdomain = build('web.example.org', [a('web.example.org', '10.0.0.1'), a('web.example.org', '10.0.0.2')], [], RCode.NXDOMAIN);
    expect(balancer.balance(queryFor('web.example.org', RRType.A), nxdomain)).toBe(nxdomain);
    const noAddress = build('web.example.org', [mx('web.example.org', 1, 'mx.example.org'), cname('web.example.org', 'x.example.org')]);
    expect(balancer.balance(queryFor('web.example.org', RRType.A), noAddress)).toBe(noAddress);
  });

  it('serves the reply itself when the drawn order is its own', () => {
    const reply = twoAddresses();
    const query = queryFor('web.example.org', RRType.A);
    // Heaviest first: 0 to 8 draw 10.0.0.2 (weight 9), 9 draws 10.0.0.1, already first.
    expect(new WeightedBalancer(table, scripted(10, [9])).balance(query, reply)).toBe(reply);
    expect(new WeightedBalancer(table, scripted(10, [0])).balance(query, reply)).not.toBe(reply);
  });

  it('never changes the reply it was given, and encodes each order once', () => {
    const reply = twoAddresses();
    const body = Buffer.from(reply.body);
    const offsets = Uint32Array.from(reply.ttlOffsets);
    const balancer = new WeightedBalancer(table, scripted(10, [0, 9]));
    const query = queryFor('web.example.org', RRType.A);
    const results = Array.from({ length: 6 }, () => balancer.balance(query, reply));
    expect(new Set(results).size).toBe(2);
    expect(results[1]).toBe(results[3]);
    expect(reply.body.equals(body)).toBe(true);
    expect(reply.ttlOffsets).toEqual(offsets);
  });

  it('keeps a bounded number of orders of a huge answer, and still serves the others', () => {
    const count = MAX_KEPT_ORDERS * 2;
    const addresses = Array.from({ length: count }, (_, i) => `10.0.${i >> 8}.${i & 0xff}`);
    const reply = build('big.example.org', addresses.map((address) => a('big.example.org', address)));
    const query = queryFor('big.example.org', RRType.A);
    const values = Array.from({ length: count }, (_, i) => i);
    const balancer = new WeightedBalancer(weights(''), scripted(count, values));
    const firsts = values.map(() => firstAddress(sections(query, balancer.balance(query, reply)).answer));
    expect(new Set(firsts).size).toBe(count);
  });
});
