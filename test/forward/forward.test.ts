import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCorefile } from '../../src/corefile/parse.ts';
import { RCode, RRType } from '../../src/dns/constants.ts';
import { decodeMessage } from '../../src/dns/message.ts';
import { emptyReply } from '../../src/dns/reply.ts';
import { encodeResponse } from '../../src/dns/response.ts';
import type { Query, Reply } from '../../src/dns/types.ts';
import { queryFor, requestFor } from '../../src/test-support/request.ts';
import {
  aRecord,
  answerA,
  deadPort,
  respond,
  startFakeUpstream,
  type Behavior,
  type FakeUpstream,
} from '../../src/test-support/upstream.ts';
import { eventually } from '../../src/test-support/wait.ts';
import type { Handler, Transport } from '../../src/toolkit/types.ts';
import { MaxConcurrentError, UpstreamError } from '../../src/plugins/forward/errors.ts';
import { Forward } from '../../src/plugins/forward/handler.ts';
import { connCacheMisses, healthcheckBroken, healthcheckFailures, maxConcurrentRejects, requestDuration } from '../../src/plugins/forward/metrics.ts';
import { parseForward } from '../../src/plugins/forward/parse.ts';

const opened: { stop(): void | Promise<void> }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.stop();
});

async function fake(behavior: Behavior = answerA, port?: number): Promise<FakeUpstream> {
  const upstream = await startFakeUpstream(behavior, { port });
  opened.push({ stop: () => upstream.close() });
  return upstream;
}

function forwardOf(text: string): Forward {
  const directive = parseCorefile(`. {\n forward ${text}\n}\n`, 'Corefile').blocks[0]!.directives[0]!;
  const forward = new Forward(parseForward(directive));
  opened.push(forward);
  return forward;
}

/** What the rest of the chain answers in these tests: a marker the forward plugin never makes. */
const NEXT_REPLY = emptyReply(RCode.NOTIMP);
const next: Handler = () => NEXT_REPLY;

interface AskOptions {
  readonly type?: number;
  readonly transport?: Transport;
  readonly edns?: boolean;
}

/** The reply, or a rejection with what serve() threw or rejected with. */
async function ask(forward: Forward, name: string, options: AskOptions = {}): Promise<{ query: Query; reply: Reply }> {
  const query = queryFor(name, options.type ?? RRType.A, { edns: options.edns ? { udpSize: 1232 } : null });
  return { query, reply: await forward.serve(requestFor(query, { transport: options.transport ?? 'udp' }), next) };
}

function wire(query: Query, reply: Reply, limit = 65535) {
  return decodeMessage(encodeResponse(query, reply, limit));
}

function addresses(query: Query, reply: Reply): string[] {
  return wire(query, reply).answer.map((record) => (record as { address: string }).address);
}

const answerWith =
  (address: string): Behavior =>
  (query) => [respond(query, { answers: [aRecord(query.name, address)] })];

const silent: Behavior = () => [];

describe('forwarding a query', () => {
  it('sends the client query under a fresh ID and relays the answer', async () => {
    const upstream = await fake();
    const forward = forwardOf(`. ${upstream.address}`);
    const { query, reply } = await ask(forward, 'www.example.test', { edns: true });
    expect(addresses(query, reply)).toEqual(['192.0.2.1']);
    const [received] = upstream.queries();
    expect(received!.transport).toBe('udp');
    // Byte for byte the client's query (its EDNS record included), but for the ID.
    expect(received!.raw.subarray(2)).toEqual(query.raw.subarray(2));
    const out = wire(query, reply);
    expect(out.id).toBe(query.id);
    expect(out.opt?.udpSize).toBe(1232);
    expect(requestDuration.cell('forward', upstream.address, 'NOERROR').count).toBe(1);
  });

  it('forwards over the transport the client used, and reuses the TCP connection', async () => {
    const upstream = await fake();
    const forward = forwardOf(`. ${upstream.address}`);
    await ask(forward, 'a.example.test', { transport: 'tcp' });
    await ask(forward, 'b.example.test', { transport: 'tcp' });
    await ask(forward, 'c.example.test', { transport: 'udp' });
    expect(upstream.queries().map((query) => query.transport)).toEqual(['tcp', 'tcp', 'udp']);
    expect(upstream.connections()).toBe(1);
  });

  it('opens a new connection once the pooled one was idle longer than expire', async () => {
    const upstream = await fake();
    const forward = forwardOf(`. ${upstream.address} {\n expire 100ms\n}`);
    await ask(forward, 'a.example.test', { transport: 'tcp' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    await ask(forward, 'b.example.test', { transport: 'tcp' });
    expect(upstream.connections()).toBe(2);
  });

  it('uses TCP for every query with force_tcp', async () => {
    const upstream = await fake();
    const forward = forwardOf(`. ${upstream.address} {\n force_tcp\n}`);
    await ask(forward, 'a.example.test');
    expect(upstream.queries().map((query) => query.transport)).toEqual(['tcp']);
  });

  it('opens a new TCP connection when the upstream closed the pooled one', async () => {
    const upstream = await fake((query) => [respond(query, { answers: [aRecord(query.name, '192.0.2.7')], close: true })]);
    const forward = forwardOf(`. ${upstream.address}`);
    for (const name of ['a.example.test', 'b.example.test', 'c.example.test']) {
      const { query, reply } = await ask(forward, name, { transport: 'tcp' });
      expect(addresses(query, reply)).toEqual(['192.0.2.7']);
    }
    expect(upstream.connections()).toBe(3);
  });

  it('passes names outside FROM, and the except zones below it, to the next plugin', async () => {
    const upstream = await fake();
    const forward = forwardOf(`example.test ${upstream.address} {\n except internal.example.test\n}`);
    expect((await ask(forward, 'other.test')).reply).toBe(NEXT_REPLY);
    expect((await ask(forward, 'db.internal.example.test')).reply).toBe(NEXT_REPLY);
    expect(upstream.queries()).toHaveLength(0);
    // FROM itself is forwarded even when excepted, as CoreDNS's isAllowedDomain says.
    const apex = forwardOf(`example.test ${upstream.address} {\n except example.test\n}`);
    expect((await ask(apex, 'example.test')).reply.rcode).toBe(RCode.NOERROR);
    expect((await ask(apex, 'www.example.test')).reply).toBe(NEXT_REPLY);
    expect(upstream.queries().map((query) => query.name)).toEqual(['example.test']);
  });
});

describe('failures', () => {
  it('tries the next upstream when the first is down', async () => {
    const dead = await deadPort();
    const upstream = await fake();
    const forward = forwardOf(`. 127.0.0.1:${dead} ${upstream.address} {\n policy sequential\n}`);
    const { query, reply } = await ask(forward, 'www.example.test');
    expect(addresses(query, reply)).toEqual(['192.0.2.1']);
    expect(connCacheMisses.cell('forward', `127.0.0.1:${dead}`, 'udp').value).toBe(1);
  });

  it('tries the next upstream after the read timeout of a slow one', async () => {
    const slow = await fake((query) => [respond(query, { answers: [aRecord(query.name, '192.0.2.66')], delayMs: 3_000 })]);
    const quick = await fake(answerWith('192.0.2.2'));
    const forward = forwardOf(`. ${slow.address} ${quick.address} {\n policy sequential\n read_timeout 200ms\n}`);
    const { query, reply } = await ask(forward, 'www.example.test');
    expect(addresses(query, reply)).toEqual(['192.0.2.2']);
    expect(slow.queries()).toHaveLength(1);
  });

  it('fails with the last error after two tries per upstream, worded as Go words it', async () => {
    const dead = await deadPort();
    const forward = forwardOf(`. 127.0.0.1:${dead} {\n max_fails 0\n}`);
    const failure = await ask(forward, 'www.example.test').then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as Error).message).toMatch(new RegExp(`^read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${dead}: read: connection refused$`));
    expect(connCacheMisses.cell('forward', `127.0.0.1:${dead}`, 'udp').value).toBe(2);
  });

  it('ignores replies under another ID and keeps waiting for its own', async () => {
    const upstream = await fake((query) => [
      respond(query, { id: (query.message.id + 1) % 65536, answers: [aRecord(query.name, '192.0.2.13')] }),
      respond(query, { answers: [aRecord(query.name, '192.0.2.1')], delayMs: 50 }),
    ]);
    const forward = forwardOf(`. ${upstream.address}`);
    const { query, reply } = await ask(forward, 'www.example.test');
    expect(addresses(query, reply)).toEqual(['192.0.2.1']);
  });

  it('times out when only replies under other IDs come', async () => {
    const upstream = await fake((query) => [respond(query, { id: (query.message.id + 1) % 65536 })]);
    const forward = forwardOf(`. ${upstream.address} {\n read_timeout 100ms\n max_connect_attempts 1\n}`);
    await expect(ask(forward, 'www.example.test')).rejects.toThrow(/: i\/o timeout$/);
  });

  it('answers FORMERR for a reply to another question, as CoreDNS', async () => {
    const upstream = await fake((query) => [respond(query, { question: { name: 'evil.example', type: 'A' } })]);
    const forward = forwardOf(`. ${upstream.address}`);
    const { reply } = await ask(forward, 'www.example.test');
    expect(reply.rcode).toBe(RCode.FORMERR);
    expect(requestDuration.cell('forward', upstream.address, 'NOERROR').count).toBe(1);
  });

  it('refuses queries over max_concurrent and counts them', async () => {
    const upstream = await fake((query) => [respond(query, { answers: [aRecord(query.name, '192.0.2.1')], delayMs: 200 })]);
    const forward = forwardOf(`. ${upstream.address} {\n max_concurrent 1\n}`);
    const before = maxConcurrentRejects.value;
    const first = ask(forward, 'a.example.test');
    const second = ask(forward, 'b.example.test');
    await expect(second).rejects.toThrow(MaxConcurrentError);
    await expect(second).rejects.toMatchObject({ rcode: RCode.REFUSED, message: 'concurrent queries exceeded maximum 1' });
    expect((await first).reply.rcode).toBe(RCode.NOERROR);
    expect(maxConcurrentRejects.value).toBe(before + 1);
    expect(upstream.queries()).toHaveLength(1);
    // The slot is free again once the first query is answered.
    expect((await ask(forward, 'c.example.test')).reply.rcode).toBe(RCode.NOERROR);
  });
});

describe('truncated replies', () => {
  const truncatingOverUdp: Behavior = (query) =>
    query.transport === 'udp'
      ? [respond(query, { flags: dnsPacket.TRUNCATED_RESPONSE })]
      : [respond(query, { answers: [aRecord(query.name, '192.0.2.1'), aRecord(query.name, '192.0.2.2')] })];

  it('relays TC to a UDP client, which then asks over TCP and gets the whole answer through TCP', async () => {
    const upstream = await fake(truncatingOverUdp);
    const forward = forwardOf(`. ${upstream.address}`);
    const udp = await ask(forward, 'big.example.test');
    expect(wire(udp.query, udp.reply).truncated).toBe(true);
    const tcp = await ask(forward, 'big.example.test', { transport: 'tcp' });
    expect(addresses(tcp.query, tcp.reply)).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(upstream.queries().map((query) => query.transport)).toEqual(['udp', 'tcp']);
  });

  it('retries over TCP after a truncated UDP reply with prefer_udp', async () => {
    const upstream = await fake(truncatingOverUdp);
    const forward = forwardOf(`. ${upstream.address} {\n prefer_udp\n}`);
    const { query, reply } = await ask(forward, 'big.example.test', { transport: 'tcp' });
    expect(addresses(query, reply)).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(upstream.queries().map((received) => received.transport)).toEqual(['udp', 'tcp']);
  });
});

describe('RCODE handling', () => {
  const rcodeAnswer =
    (rcode: number): Behavior =>
    (query) => [respond(query, { rcode })];

  it('tries the next upstream on a failover RCODE', async () => {
    const failing = await fake(rcodeAnswer(RCode.SERVFAIL));
    const good = await fake(answerWith('192.0.2.5'));
    const forward = forwardOf(`. ${failing.address} ${good.address} {\n policy sequential\n failover SERVFAIL REFUSED\n}`);
    const { query, reply } = await ask(forward, 'www.example.test');
    expect(addresses(query, reply)).toEqual(['192.0.2.5']);
    expect(failing.queries()).toHaveLength(1);
  });

  it('returns the last reply when every upstream answers a failover RCODE', async () => {
    const first = await fake(rcodeAnswer(RCode.SERVFAIL));
    const second = await fake(rcodeAnswer(RCode.REFUSED));
    const forward = forwardOf(`. ${first.address} ${second.address} {\n policy sequential\n failover SERVFAIL REFUSED\n}`);
    expect((await ask(forward, 'www.example.test')).reply.rcode).toBe(RCode.REFUSED);
  });

  it('relays a failover-less SERVFAIL as it is', async () => {
    const failing = await fake(rcodeAnswer(RCode.SERVFAIL));
    const good = await fake(answerWith('192.0.2.5'));
    const forward = forwardOf(`. ${failing.address} ${good.address} {\n policy sequential\n}`);
    expect((await ask(forward, 'www.example.test')).reply.rcode).toBe(RCode.SERVFAIL);
    expect(good.queries()).toHaveLength(0);
  });

  it('hands `next` RCODEs to the next plugin only when it is another forward', async () => {
    const upstream = await fake(rcodeAnswer(RCode.NXDOMAIN));
    const forward = forwardOf(`. ${upstream.address} {\n next NXDOMAIN\n}`);
    expect((await ask(forward, 'www.example.test')).reply.rcode).toBe(RCode.NXDOMAIN);
    forward.followedByForward = true;
    expect((await ask(forward, 'www.example.test')).reply).toBe(NEXT_REPLY);
  });
});

describe('health checks', () => {
  it('marks an upstream down after max_fails failed checks, skips it, and brings it back when it answers', async () => {
    const port = await deadPort();
    const address = `127.0.0.1:${port}`;
    const good = await fake(answerWith('192.0.2.2'));
    const forward = forwardOf(`. ${address} ${good.address} {\n policy sequential\n max_fails 1\n health_check 20ms\n}`);
    const [flaky] = forward.upstreams;
    const failuresBefore = healthcheckFailures.cell('forward', address).value;

    // The refused try starts health checking; the answer still comes from the second upstream.
    const first = await ask(forward, 'a.example.test');
    expect(addresses(first.query, first.reply)).toEqual(['192.0.2.2']);
    await eventually(() => flaky!.down(1), 'the refusing upstream is down');
    expect(healthcheckFailures.cell('forward', address).value).toBeGreaterThanOrEqual(failuresBefore + 2);

    // Down: not tried at all.
    const triesBefore = connCacheMisses.cell('forward', address, 'udp').value;
    await ask(forward, 'b.example.test');
    expect(connCacheMisses.cell('forward', address, 'udp').value).toBe(triesBefore);

    // It comes back: the probe's next check passes and queries go to it first again.
    const revived = await fake(answerWith('192.0.2.1'), port);
    await eventually(() => !flaky!.down(1), 'the upstream is up again');
    expect(revived.received.some((query) => query.name === '' && query.type === RRType.NS)).toBe(true);
    const after = await ask(forward, 'c.example.test');
    expect(addresses(after.query, after.reply)).toEqual(['192.0.2.1']);
  });

  it('checks with `. IN NS`, RD unless no_rec, or the configured domain', async () => {
    const port = await deadPort();
    const forward = forwardOf(`. 127.0.0.1:${port} {\n max_fails 5\n health_check 20ms no_rec domain health.example.test\n}`);
    await ask(forward, 'a.example.test').catch(() => null);
    const upstream = await fake(silent, port);
    await eventually(() => upstream.received.length > 0, 'a health check arrives');
    const [check] = upstream.received;
    expect([check!.name, check!.type, check!.message.recursionDesired]).toEqual(['health.example.test', RRType.NS, false]);
    expect(forward.upstreams[0]!.probing).toBe(true);
  });

  it('tries a random upstream when all are down, counting the broken health checking', async () => {
    const port = await deadPort();
    const forward = forwardOf(`. 127.0.0.1:${port} {\n max_fails 1\n health_check 20ms\n}`);
    await ask(forward, 'a.example.test').catch(() => null);
    await eventually(() => forward.upstreams[0]!.down(1), 'the upstream is down');
    const broken = healthcheckBroken.value;
    const upstream = await fake(answerWith('192.0.2.9'), port);
    // Asked before the probe notices: every upstream down, so one is picked anyway.
    forward.upstreams[0]!.fails = 10;
    const { query, reply } = await ask(forward, 'b.example.test');
    expect(addresses(query, reply)).toEqual(['192.0.2.9']);
    expect(healthcheckBroken.value).toBeGreaterThan(broken);
    expect(upstream.queries()).toHaveLength(1);
  });

  it('fails fast when all upstreams are down with failfast_all_unhealthy_upstreams', async () => {
    const upstream = await fake();
    const forward = forwardOf(`. ${upstream.address} {\n failfast_all_unhealthy_upstreams\n}`);
    forward.upstreams[0]!.fails = 3;
    await expect(ask(forward, 'a.example.test')).rejects.toThrow('no healthy proxies');
    expect(upstream.queries()).toHaveLength(0);
  });
});
