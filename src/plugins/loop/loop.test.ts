import { afterEach, describe, expect, it } from 'vitest';
import { parseCorefile } from '../../corefile/parse.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { emptyReply } from '../../dns/reply.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { respond, startFakeUpstream, type FakeUpstream } from '../../test-support/upstream.ts';
import { eventually } from '../../test-support/wait.ts';
import type { Handler } from '../../toolkit/types.ts';
import { Loop } from './handler.ts';
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
