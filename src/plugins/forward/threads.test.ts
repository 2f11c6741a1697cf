import { afterEach, describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { setupContext } from '../../test-support/setup-context.ts';
import { linkedExchanges } from '../../test-support/threads.ts';
import { RRType } from '../../dns/constants.ts';
import { aRecord, answerA, respond, startFakeUpstream, type FakeUpstream } from '../../test-support/upstream.ts';
import { eventually } from '../../test-support/wait.ts';
import type { SetupContext } from '../../toolkit/types.ts';
import type { Forward } from './handler.ts';
import { forwardPlugin } from './index.ts';

describe('forward with workers', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(link: SetupContext['threads'], address: string, block = '    max_fails 1\n    health_check 50ms'): Promise<Forward> {
    const shutdowns: (() => unknown)[] = [];
    const shared = new Map<string, unknown>();
    const context = setupContext({ onShutdown: (hook) => void shutdowns.push(hook), shared, threads: link });
    const options = forwardPlugin.parse(directive(`forward . ${address} {\n${block}\n}`));
    await forwardPlugin.setup(options, context);
    cleanups.push(() => Promise.all(shutdowns.map((hook) => hook())));
    return (shared.get('forward') as Forward[])[0]!;
  }

  it("probes an upstream once for the process, on the main thread, and tells the worker what it found", async () => {
    const upstream: FakeUpstream = await startFakeUpstream(() => []);
    cleanups.push(() => upstream.close());
    const { main, worker, close } = linkedExchanges();
    cleanups.push(close);
    const onMain = await setUp(main.scoped('.:53/forward/').link, upstream.address);
    const onWorker = await setUp(worker.scoped('.:53/forward/').link, upstream.address);

    onWorker.upstreams[0]!.healthcheck();
    await eventually(() => onWorker.upstreams[0]!.down(1), 'the worker to learn the upstream is down');
    expect(onMain.upstreams[0]!.probing).toBe(true);
    expect(onWorker.upstreams[0]!.probing).toBe(false);
    expect(upstream.received.length).toBeGreaterThanOrEqual(2);

    upstream.setBehavior(answerA);
    await eventually(() => onWorker.upstreams[0]!.fails === 0, 'the worker to learn the upstream is back');
    expect(onMain.upstreams[0]!.probing).toBe(false);
  });

  it('resolves a host name once, on the main thread, and the worker takes its upstreams in the same order', async () => {
    let answers = 0;
    // Each A question gets the addresses in another order, so a second lookup would number them otherwise.
    const resolver = await startFakeUpstream((query) => {
      if (query.type !== RRType.A) return [respond(query)];
      const addresses = answers++ % 2 === 0 ? ['127.0.0.5', '127.0.0.6'] : ['127.0.0.6', '127.0.0.5'];
      return [respond(query, { answers: addresses.map((address) => aRecord(query.name, address)) })];
    });
    cleanups.push(() => resolver.close());
    const { main, worker, close } = linkedExchanges();
    cleanups.push(close);
    const block = `    resolver ${resolver.address}`;
    const onMain = await setUp(main.scoped('.:53/forward/').link, 'dns.example.test', block);
    const onWorker = await setUp(worker.scoped('.:53/forward/').link, 'dns.example.test', block);
    expect(onMain.upstreams.map((upstream) => upstream.address.label)).toEqual(['127.0.0.5:53', '127.0.0.6:53']);
    expect(onWorker.upstreams.map((upstream) => upstream.address.label)).toEqual(['127.0.0.5:53', '127.0.0.6:53']);
    expect(resolver.queries().map((query) => query.type)).toEqual([RRType.A, RRType.AAAA]);
  });
});
