import { describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { parseReady } from './parse.ts';
import { ReadySource, ReadySources } from './sources.ts';

describe('ready parse', () => {
  it('defaults to :8181 monitoring until ready', () => {
    expect(parseReady(directive('ready'))).toEqual({ address: ':8181', continuously: false });
    expect(parseReady(directive('ready 127.0.0.1:9000 {\n monitor continuously\n}'))).toEqual({ address: '127.0.0.1:9000', continuously: true });
    expect(parseReady(directive('ready {\n monitor until-ready\n}')).continuously).toBe(false);
  });

  it("refuses what CoreDNS refuses, in CoreDNS's words", () => {
    expect(() => parseReady(directive('ready {\n monitor sometimes\n}'))).toThrow("ready: monitor type 'sometimes' not supported");
    expect(() => parseReady(directive('ready 8181'))).toThrow('address 8181: missing port in address');
    expect(() => parseReady(directive('ready {\n watch\n}'))).toThrow("unknown property 'watch'");
  });
});

describe('ReadySources', () => {
  it('unions the sources of an address, sorted and without duplicates, and stops asking once ready', () => {
    let calls = 0;
    let kubernetes = false;
    const first = new ReadySource(false);
    first.readiness = [{ name: 'kubernetes', ready: () => (calls++, kubernetes) }];
    const second = new ReadySource(false);
    second.readiness = [
      { name: 'kubernetes', ready: () => false },
      { name: 'alpha', ready: () => false },
    ];
    const sources = new ReadySources();
    sources.add(':8181', first);
    sources.add(':8181', second);
    expect(sources.state(':8181')).toEqual({ kind: 'waiting', names: 'alpha,kubernetes' });
    sources.remove(':8181', second);
    kubernetes = true;
    expect(sources.state(':8181')).toEqual({ kind: 'ready' });
    kubernetes = false;
    const before = calls;
    expect(sources.state(':8181')).toEqual({ kind: 'ready' });
    expect(calls).toBe(before);
    expect(sources.state(':9999')).toEqual({ kind: 'ready' });
    first.stopping = true;
    expect(sources.state(':8181')).toEqual({ kind: 'stopping' });
  });
});
