import { afterEach, describe, expect, it } from 'vitest';
import { parseCorefile } from '../../corefile/parse.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { emptyReply } from '../../dns/reply.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { setupContext } from '../../test-support/setup-context.ts';
import { respond, startFakeUpstream, type FakeUpstream } from '../../test-support/upstream.ts';
import { eventually } from '../../test-support/wait.ts';
import type { Handler } from '../../toolkit/types.ts';
import { linkedExchanges } from '../../test-support/threads.ts';
import type { SetupContext } from '../../toolkit/types.ts';
import { Loop } from './handler.ts';
import { createLoopPlugin } from './index.ts';
import { parseLoop } from './parse.ts';
import { dialHost, probeName } from './probe.ts';

const NEXT = emptyReply(RCode.NOERROR);
const next: Handler = () => NEXT;

function loopFor(zone = '') {
  const lines: string[] = [];
  const exits: number[] = [];
  const loop = new Loop({ zone, write: (line) => void lines.push(line), exit: (code) => void exits.push(code) });
  return { loop, lines, exits };
}

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

describe('loop', () => {
  it('takes no arguments and no block', () => {
    const directive = (text: string) => parseCorefile(`. {\n ${text}\n}\n`, 'Corefile').blocks[0]!.directives[0]!;
    expect(parseLoop(directive('loop'))).toBeNull();
    expect(() => parseLoop(directive('loop now'))).toThrow('expected no arguments, got 1');
    expect(() => parseLoop(directive('loop {\n}'))).toThrow('takes no { } block');
  });

  it('names its probe <random>.<random>.<zone>', () => {
    expect(probeName('')).toMatch(/^\d+\.\d+$/);
    expect(probeName('example.org')).toMatch(/^\d+\.\d+\.example\.org$/);
    expect(probeName('')).not.toBe(probeName(''));
    expect([dialHost(''), dialHost('::'), dialHost('10.0.0.1')]).toEqual(['127.0.0.1', '::1', '10.0.0.1']);
  });

  it('logs FATAL and exits 1 the third time its probe comes through', () => {
    const { loop, lines, exits } = loopFor();
    loop.listenOn('', 1053);
    const probe = requestFor(queryFor(loop.qname, RRType.HINFO), { remoteAddress: '127.0.0.1', remotePort: 55953 });
    expect(loop.serve(probe, next)).toBe(NEXT);
    expect(loop.serve(probe, next)).toBe(NEXT);
    expect(exits).toEqual([]);
    expect((loop.serve(probe, next) as { rcode: number }).rcode).toBe(RCode.SERVFAIL);
    expect(exits).toEqual([1]);
    expect(lines).toEqual([
      `[FATAL] plugin/loop: Loop (127.0.0.1:55953 -> :1053) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO ${loop.qname}."`,
    ]);
    // Detected once: the plugin is off afterwards.
    expect(loop.serve(probe, next)).toBe(NEXT);
    expect(exits).toEqual([1]);
  });

  it('counts only its own HINFO name in its zone', () => {
    const { loop, exits } = loopFor('example.org');
    for (let i = 0; i < 5; i++) {
      loop.serve(requestFor(queryFor(loop.qname, RRType.A)), next);
      loop.serve(requestFor(queryFor(`other.${loop.qname}`, RRType.HINFO)), next);
    }
    expect(exits).toEqual([]);
    expect(loop.qname.endsWith('.example.org')).toBe(true);
  });

  it('probes its own address after start and turns itself off once answered', async () => {
    const upstream: FakeUpstream = await startFakeUpstream((query) => [respond(query, { rcode: RCode.NXDOMAIN })]);
    cleanup.push(() => upstream.close());
    const { loop, exits } = loopFor();
    cleanup.push(() => loop.stop());
    loop.listenOn('127.0.0.1', upstream.port);
    loop.start();
    await eventually(() => upstream.received.length === 1, 'the probe arrives');
    expect([upstream.received[0]!.name, upstream.received[0]!.type]).toEqual([loop.qname, RRType.HINFO]);
    // Answered: its own name may now come through any number of times.
    await eventually(() => !loop.watching, 'the plugin is off');
    const probe = requestFor(queryFor(loop.qname, RRType.HINFO));
    for (let i = 0; i < 3; i++) expect(loop.serve(probe, next)).toBe(NEXT);
    expect(exits).toEqual([]);
    expect(upstream.received).toHaveLength(1);
  });

  it('does not probe a listener whose port is chosen at listen time', () => {
    const { loop, exits } = loopFor();
    loop.listenOn('', 0);
    loop.start();
    expect(loop.watching).toBe(false);
    for (let i = 0; i < 3; i++) loop.serve(requestFor(queryFor(loop.qname, RRType.HINFO)), next);
    expect(exits).toEqual([]);
  });
});

describe('loop with workers', () => {
  it("counts the probe's rounds that the kernel hands a worker, on the main thread, which alone probes", async () => {
    const upstream = await startFakeUpstream(() => []);
    cleanup.push(() => upstream.close());
    const { main, worker, close } = linkedExchanges();
    cleanup.push(close);
    const lines: string[] = [];
    const exits: number[] = [];
    const plugin = createLoopPlugin({ write: (line) => void lines.push(line), exit: (code) => void exits.push(code) });
    const context = (threads: SetupContext['threads']): SetupContext => setupContext({ onShutdown: (hook) => void cleanup.push(hook as () => void), threads });
    const onMain = await plugin.setup(null, context(main.scoped('.:53/loop/').link));
    const onWorker = await plugin.setup(null, context(worker.scoped('.:53/loop/').link));
    onMain.attach!({ sites: [{ server: `dns://${upstream.address}`, zone: '' }], listenHosts: [''], handlers: ['loop'], readiness: [] }, { corefile: { file: '', blocks: [], files: [] }, reload: async () => {} });
    await onMain.start!();
    // The probe went to the block's address (here a silent fake): its name is the one to count.
    await eventually(() => upstream.received.length > 0, 'the probe');
    const probe = upstream.received[0]!.name;
    const handler = onWorker.handler!(next);
    for (let i = 0; i < 3; i++) expect(handler(requestFor(queryFor(probe, RRType.HINFO)))).toBe(NEXT);
    await eventually(() => exits.length > 0, 'the loop to be detected');
    expect(exits).toEqual([1]);
    expect(lines[0]).toMatch(/^\[FATAL\] plugin\/loop: Loop \(192\.0\.2\.10:40000 -> 127\.0\.0\.1:\d+\) detected for zone "\."/);
  });
});
