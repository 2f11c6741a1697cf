import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.ts';
import { directive } from '../../test-support/corefile.ts';
import { linkedExchanges } from '../../test-support/threads.ts';
import { answerA, startFakeUpstream, type FakeUpstream } from '../../test-support/upstream.ts';
import { eventually } from '../../test-support/wait.ts';
import type { SetupContext } from '../../toolkit/types.ts';
import type { Forward } from './handler.ts';
import { forwardPlugin } from './index.ts';

describe('forward with workers', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function setUp(link: SetupContext['threads'], address: string): Forward {
    const shutdowns: (() => unknown)[] = [];
    const shared = new Map<string, unknown>();
    const context: SetupContext = {
      zones: [''],
      corefile: 'Corefile',
      logger: silentLogger,
      onShutdown: (hook) => void shutdowns.push(hook),
      addReadiness: () => {},
      shared,
      threads: link,
    };
    const options = forwardPlugin.parse(directive(`forward . ${address} {\n    max_fails 1\n    health_check 50ms\n}`));
    void forwardPlugin.setup(options, context);
    cleanups.push(() => Promise.all(shutdowns.map((hook) => hook())));
    return (shared.get('forward') as Forward[])[0]!;
  }

  it("probes an upstream once for the process, on the main thread, and tells the worker what it found", async () => {
    const upstream: FakeUpstream = await startFakeUpstream(() => []);
    cleanups.push(() => upstream.close());
    const { main, worker, close } = linkedExchanges();
    cleanups.push(close);
    const onMain = setUp(main.scoped('.:53/forward/').link, upstream.address);
    const onWorker = setUp(worker.scoped('.:53/forward/').link, upstream.address);

    onWorker.upstreams[0]!.healthcheck();
    await eventually(() => onWorker.upstreams[0]!.down(1), 'the worker to learn the upstream is down');
    expect(onMain.upstreams[0]!.probing).toBe(true);
    expect(onWorker.upstreams[0]!.probing).toBe(false);
    expect(upstream.received.length).toBeGreaterThanOrEqual(2);

    upstream.setBehavior(answerA);
    await eventually(() => onWorker.upstreams[0]!.fails === 0, 'the worker to learn the upstream is back');
    expect(onMain.upstreams[0]!.probing).toBe(false);
  });
});
