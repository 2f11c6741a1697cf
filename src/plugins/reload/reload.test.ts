import { describe, expect, it } from 'vitest';
import { parseCorefile } from '../../corefile/parse.ts';
import { CorefileError } from '../../corefile/types.ts';
import { PluginSetupError } from '../../server/errors.ts';
import { directive } from '../../test-support/corefile.ts';
import { jitteredInterval, parseReload } from './parse.ts';
import { corefileHash, describeFailure } from './watch.ts';

describe('reload parse', () => {
  it('defaults to 30s with 15s of jitter, and caps the jitter at half the interval', () => {
    expect(parseReload(directive('reload'))).toEqual({ intervalMs: 30_000, jitterMs: 15_000 });
    expect(parseReload(directive('reload 10s'))).toEqual({ intervalMs: 10_000, jitterMs: 5_000 });
    expect(parseReload(directive('reload 1m 2s'))).toEqual({ intervalMs: 60_000, jitterMs: 2_000 });
    expect(parseReload(directive('reload 2s 0s'))).toEqual({ intervalMs: 2_000, jitterMs: 0 });
  });

  it("refuses what CoreDNS refuses, in CoreDNS's words", () => {
    expect(() => parseReload(directive('reload 1s'))).toThrow('Corefile:2 - Error during parsing: reload: interval value must be greater or equal to 2s');
    expect(() => parseReload(directive('reload 5s 500ms'))).toThrow('jitter value must be 0 or greater or equal to 1s');
    expect(() => parseReload(directive('reload 5s 1s 1s'))).toThrow(CorefileError);
    expect(() => parseReload(directive('reload soon'))).toThrow("invalid duration 'soon'");
    expect(() => parseReload(directive('reload {\n}'))).toThrow('takes no { } block');
  });

  it('moves the period by up to half the jitter either way', () => {
    const options = { intervalMs: 30_000, jitterMs: 15_000 };
    expect(jitteredInterval(options, () => 0)).toBe(22_500);
    expect(jitteredInterval(options, () => 0.9999)).toBe(37_498);
    expect(jitteredInterval({ intervalMs: 2_000, jitterMs: 0 }, () => 0.5)).toBe(2_000);
  });
});

describe('corefileHash', () => {
  const hash = (text: string) => corefileHash(parseCorefile(text, 'Corefile'));

  it('changes with the configuration, not with comments or trailing blank lines', () => {
    const base = hash('. {\n whoami\n}\n');
    expect(hash('. {\n whoami # who\n}\n\n\n# the end\n')).toBe(base);
    expect(hash('. {\n log\n}\n')).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{128}$/);
  });
});

describe('describeFailure', () => {
  it('puts file:line first for setup errors, and leaves Corefile errors as they read', () => {
    const setup = new PluginSetupError('kubernetes', 'Corefile', 4, new Error('no such file'));
    expect(describeFailure(setup)).toBe('Corefile:4 - plugin/kubernetes: no such file');
    const parse = new CorefileError('Corefile', 2, 'bad', 'log');
    expect(describeFailure(parse)).toBe('Corefile:2 - Error during parsing: log: bad');
    expect(describeFailure(new Error('listen udp :53: bind: address already in use'))).toBe('listen udp :53: bind: address already in use');
  });
});
