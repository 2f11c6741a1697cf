import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage, type DecodedMessage, type DecodedRecord } from '../../dns/message.ts';
import { prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Query, Reply, ResourceRecord } from '../../dns/types.ts';
import { directive } from '../../test-support/corefile.ts';
import { queryFor } from '../../test-support/request.ts';
import { Balancer, MAX_VARIANTS } from './balance.ts';
import { parseLoadbalance } from './parse.ts';

const parse = (text: string) => parseLoadbalance(directive(text));

function build(qname: string, answer: ResourceRecord[], additional: ResourceRecord[] = [], rcode: number = RCode.NOERROR): Reply {
  return prepareReply({ rcode, flags: HeaderFlag.AA, qname, sections: { answer, authority: [], additional } });
}

const a = (name: string, address: string, ttl = 30): ResourceRecord => ({ name, type: RRType.A, ttl, address });

function decoded(query: Query, reply: Reply): DecodedMessage {
  return decodeMessage(encodeResponse(query, reply, 65535));
}

function describeRecord(record: DecodedRecord): string {
  if ('address' in record) return `${record.name} ${record.address}`;
  if ('target' in record) return `${record.name} -> ${record.target}`;
  if ('exchange' in record) return `${record.name} mx ${record.preference} ${record.exchange}`;
  return `${record.name} ${record.type}`;
}

/** Every order the balancer serves `reply` in, with a random source walking through its variants. */
function allOrders(query: Query, reply: Reply, prefer: string[] = []): string[][] {
  let next = 0;
  const options = parse(`loadbalance {\n prefer ${prefer.join(' ')}\n}`);
  if (options.policy !== 'round_robin') throw new Error('not round_robin');
  const balancer = new Balancer(options.prefer, () => (next++ % MAX_VARIANTS) / MAX_VARIANTS);
  const orders = new Set<string>();
  for (let i = 0; i < MAX_VARIANTS; i++) {
    const message = decoded(query, balancer.balance(query, reply));
    orders.add(JSON.stringify([...message.answer, ...message.additional].map(describeRecord)));
  }
  return [...orders].map((order) => JSON.parse(order) as string[]);
}

describe('loadbalance parse', () => {
  it('takes round_robin or nothing, and prefer lines', () => {
    expect(parse('loadbalance')).toEqual({ policy: 'round_robin', prefer: [] });
    expect(parse('loadbalance round_robin')).toEqual({ policy: 'round_robin', prefer: [] });
    const options = parse('loadbalance round_robin {\n prefer 10.9.20.0/24 192.168.1.0/24\n prefer fd00::/8\n}');
    expect(options.policy === 'round_robin' && options.prefer.map((cidr) => cidr.prefix)).toEqual([24, 24, 8]);
  });

  it('refuses other policies, arguments and properties, naming the line', () => {
    expect(() => parse('loadbalance fleeb')).toThrow(/Corefile:2 .*unknown policy: fleeb/);
    expect(() => parse('loadbalance round_robin a')).toThrow(/unknown property for round_robin/);
    expect(() => parse('loadbalance {\n susu\n}')).toThrow(/Corefile:3 .*unknown property 'susu'/);
    expect(() => parse('loadbalance {\n prefer 10.0.0.0\n}')).toThrow(/invalid CIDR "10.0.0.0"/);
    expect(() => parse('loadbalance round_robin {\n reload 10s\n}')).toThrow(/Corefile:3 .*unknown property 'reload'/);
  });

  it('takes weighted with a weight file and a reload interval, 30s unless given', () => {
    expect(parse('loadbalance weighted wfile')).toEqual({ policy: 'weighted', weightFile: 'wfile', reloadMs: 30_000 });
    expect(parse('loadbalance weighted /etc/wf {\n reload 10s\n}')).toEqual({ policy: 'weighted', weightFile: '/etc/wf', reloadMs: 10_000 });
    expect(parse('loadbalance weighted wf {\n reload 0s\n}')).toEqual({ policy: 'weighted', weightFile: 'wf', reloadMs: 0 });
    expect(parse('loadbalance weighted wf {\n reload 1m30s\n reload 250ms\n}')).toMatchObject({ reloadMs: 250 });
  });

  it('refuses a weighted directive without its file, with more, or with other properties, naming the line', () => {
    expect(() => parse('loadbalance weighted')).toThrow(/Corefile:2 .*missing weight file argument/);
    expect(() => parse('loadbalance weighted a b')).toThrow(/Corefile:2 .*unexpected argument\(s\)/);
    expect(() => parse('loadbalance weighted wfile {\n susu\n}')).toThrow(/Corefile:3 .*unknown property 'susu'/);
    expect(() => parse('loadbalance weighted wfile {\n prefer 10.0.0.0/8\n}')).toThrow(/Corefile:3 .*unknown property 'prefer'/);
    expect(() => parse('loadbalance weighted wfile {\n reload\n}')).toThrow(/Corefile:3 .*reload duration value is missing/);
    expect(() => parse('loadbalance weighted wfile {\n\n reload a\n}')).toThrow(/Corefile:4 .*invalid reload duration 'a'/);
    expect(() => parse('loadbalance weighted wfile {\n reload -5s\n}')).toThrow(/invalid reload duration '-5s'/);
    expect(() => parse('loadbalance weighted wfile {\n reload 30s a\n}')).toThrow(/Corefile:3 .*unexpected argument/);
  });
});

describe('loadbalance', () => {
  it('serves every rotation of the address records, each a valid message with the same records', () => {
    const query = queryFor('web.example.org', RRType.A);
    const reply = build('web.example.org', [a('web.example.org', '10.0.0.1'), a('web.example.org', '10.0.0.2'), a('web.example.org', '10.0.0.3')]);
    const orders = allOrders(query, reply);
    expect(orders.map((order) => order[0])).toEqual(['web.example.org 10.0.0.1', 'web.example.org 10.0.0.2', 'web.example.org 10.0.0.3']);
    for (const order of orders) expect([...order].sort()).toEqual(orders[0]!.slice().sort());
  });

  it('keeps compression: reordered replies are no larger than the original', () => {
    const query = queryFor('web.example.org', RRType.A);
    const reply = build('web.example.org', [a('web.example.org', '10.0.0.1'), a('web.example.org', '10.0.0.2')]);
    const balancer = new Balancer([], () => 0.99);
    const balanced = balancer.balance(query, reply);
    expect(balanced).not.toBe(reply);
    expect(balanced.body.length).toBe(reply.body.length);
    expect(decoded(query, balanced).answer.map(describeRecord)).toEqual(['web.example.org 10.0.0.2', 'web.example.org 10.0.0.1']);
  });

  it('puts CNAMEs first and keeps their targets, case included', () => {
    const query = queryFor('alias.example.org', RRType.A);
    const reply = build('alias.example.org', [
      a('Target.Example.org', '10.0.0.1'),
      { name: 'alias.example.org', type: RRType.CNAME, ttl: 30, target: 'Target.Example.org' },
      a('Target.Example.org', '10.0.0.2'),
    ]);
    const orders = allOrders(query, reply);
    expect(orders).toEqual([
      ['alias.example.org -> target.example.org', 'target.example.org 10.0.0.1', 'target.example.org 10.0.0.2'],
      ['alias.example.org -> target.example.org', 'target.example.org 10.0.0.2', 'target.example.org 10.0.0.1'],
    ]);
    const balanced = new Balancer([], () => 0).balance(query, reply);
    expect(balanced.body.includes(Buffer.from('Target'))).toBe(true);
  });

  it('rotates SRV targets addresses in the additional section with their names intact', () => {
    const query = queryFor('_http._tcp.web.ns.svc.cluster.local', RRType.SRV);
    const srv = (target: string): ResourceRecord => ({ name: '_http._tcp.web.ns.svc.cluster.local', type: RRType.SRV, ttl: 30, priority: 0, weight: 50, port: 80, target });
    const reply = build(
      '_http._tcp.web.ns.svc.cluster.local',
      [srv('a.web.ns.svc.cluster.local'), srv('b.web.ns.svc.cluster.local')],
      [a('a.web.ns.svc.cluster.local', '10.1.0.1'), a('b.web.ns.svc.cluster.local', '10.1.0.2')],
    );
    const orders = allOrders(query, reply);
    expect(orders.map((order) => order.slice(2))).toEqual([
      ['a.web.ns.svc.cluster.local 10.1.0.1', 'b.web.ns.svc.cluster.local 10.1.0.2'],
      ['b.web.ns.svc.cluster.local 10.1.0.2', 'a.web.ns.svc.cluster.local 10.1.0.1'],
    ]);
    // SRV records are not address records: they stay as they were.
    for (const order of orders) {
      expect(order.slice(0, 2)).toEqual(['_http._tcp.web.ns.svc.cluster.local -> a.web.ns.svc.cluster.local', '_http._tcp.web.ns.svc.cluster.local -> b.web.ns.svc.cluster.local']);
    }
  });

  it('rotates MX records after the others', () => {
    const query = queryFor('example.org', RRType.MX);
    const mx = (preference: number, exchange: string): ResourceRecord => ({ name: 'example.org', type: RRType.MX, ttl: 30, preference, exchange });
    const reply = build('example.org', [mx(10, 'mx1.example.org'), mx(20, 'mx2.example.org')]);
    expect(allOrders(query, reply)).toEqual([
      ['example.org mx 10 mx1.example.org', 'example.org mx 20 mx2.example.org'],
      ['example.org mx 20 mx2.example.org', 'example.org mx 10 mx1.example.org'],
    ]);
  });

  it('puts addresses of preferred networks first, in the order of the networks', () => {
    const query = queryFor('web.example.org', RRType.A);
    const reply = build('web.example.org', [
      a('web.example.org', '10.0.0.1'),
      a('web.example.org', '192.168.1.5'),
      a('web.example.org', '10.9.20.7'),
      a('web.example.org', '172.16.0.1'),
    ]);
    const orders = allOrders(query, reply, ['10.9.20.0/24', '192.168.1.0/24']);
    for (const order of orders) expect(order.slice(0, 2)).toEqual(['web.example.org 10.9.20.7', 'web.example.org 192.168.1.5']);
    expect(new Set(orders.map((order) => order[2])).size).toBe(2);
  });

  it('leaves alone errors, single addresses and replies already in order, returning the same object', () => {
    const query = queryFor('web.example.org', RRType.A);
    const balancer = new Balancer([]);
    const single = build('web.example.org', [a('web.example.org', '10.0.0.1')]);
    expect(balancer.balance(query, single)).toBe(single);
    const nxdomain = build('web.example.org', [a('web.example.org', '10.0.0.1'), a('web.example.org', '10.0.0.2')], [], RCode.NXDOMAIN);
    expect(balancer.balance(query, nxdomain)).toBe(nxdomain);
  });

  it('builds each order of a reply once and serves it again', () => {
    const query = queryFor('web.example.org', RRType.A);
    const reply = build('web.example.org', [a('web.example.org', '10.0.0.1'), a('web.example.org', '10.0.0.2')]);
    const balancer = new Balancer([], () => 0.7);
    expect(balancer.balance(query, reply)).toBe(balancer.balance(queryFor('WEB.example.org', RRType.A), reply));
  });

  it('caps the number of orders for large answers, spreading the rotations', () => {
    const query = queryFor('big.example.org', RRType.A);
    const reply = build('big.example.org', Array.from({ length: 64 }, (_, i) => a('big.example.org', `10.0.${i >> 8}.${i & 0xff}`)));
    const firsts = allOrders(query, reply).map((order) => order[0]);
    expect(firsts).toHaveLength(MAX_VARIANTS);
    expect(firsts.slice(0, 3)).toEqual(['big.example.org 10.0.0.0', 'big.example.org 10.0.0.4', 'big.example.org 10.0.0.8']);
  });
});
