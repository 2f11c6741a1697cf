import { silentLogger } from '../log.ts';
import { SINGLE_THREAD } from '../toolkit/threads.ts';
import type { SetupContext } from '../toolkit/types.ts';

/** What a plugin's setup is given in a server block of one thread, with `overrides` for what the test watches. */
export function setupContext(overrides: Partial<SetupContext> = {}): SetupContext {
  return {
    zones: [''],
    corefile: 'Corefile',
    logger: silentLogger,
    onShutdown: () => {},
    addReadiness: () => {},
    shared: new Map(),
    threads: SINGLE_THREAD,
    ...overrides,
  };
}
