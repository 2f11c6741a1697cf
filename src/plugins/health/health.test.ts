import { describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { parseHealth } from './parse.ts';

describe('health parse', () => {
  it('defaults to :8080 without lameduck', () => {
    expect(parseHealth(directive('health'))).toEqual({ address: ':8080', lameduckMs: 0 });
    expect(parseHealth(directive('health localhost:8091 {\n lameduck 5s\n}'))).toEqual({ address: 'localhost:8091', lameduckMs: 5_000 });
  });

  it('refuses addresses without a port, unknown properties and bad durations, naming the line', () => {
    expect(() => parseHealth(directive('health localhost'))).toThrow('Corefile:2 - Error during parsing: health: address localhost: missing port in address');
    expect(() => parseHealth(directive('health :8080 :8081'))).toThrow('expected at most 1 argument');
    expect(() => parseHealth(directive('health {\n lameduck\n}'))).toThrow('Corefile:3');
    expect(() => parseHealth(directive('health {\n lameduck 5\n}'))).toThrow('missing unit');
    expect(() => parseHealth(directive('health {\n slow 5s\n}'))).toThrow("unknown property 'slow'");
  });
});
