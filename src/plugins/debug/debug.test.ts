import { describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { recordingLogger } from '../../test-support/log.ts';
import { setupContext } from '../../test-support/setup-context.ts';
import { DEBUG_NOTE, debugPlugin } from './index.ts';
import { parseDebug } from './parse.ts';

describe('debug (CoreDNS TestDebug)', () => {
  it('takes no arguments and no block, naming the line', () => {
    expect(parseDebug(directive('debug'))).toBeNull();
    expect(() => parseDebug(directive('debug off'))).toThrow(/Corefile:2 .*debug: expected no arguments, got 1/);
    expect(() => parseDebug(directive('debug {\n}'))).toThrow(/Corefile:2 /);
  });

  it('puts nothing in the chain and says what it does not change', async () => {
    const { logger, lines } = recordingLogger('info');
    const context = setupContext({ logger });
    const instance = await debugPlugin.setup(null, context);
    expect(instance.handler).toBeUndefined();
    expect(lines.map((line) => line.msg)).toEqual([DEBUG_NOTE]);
  });
});
