import { describe, expect, it } from 'vitest';
import { parseCorefile } from '../corefile/parse.ts';
import { CorefileError } from '../corefile/types.ts';
import { RCode } from '../dns/constants.ts';
import { emptyReply } from '../dns/reply.ts';
import type { Reply } from '../dns/types.ts';
import { silentLogger } from '../log.ts';
import type { Handler, PluginDefinition, Request, SetupContext } from '../plugin/types.ts';
import { buildBlockChain, composeChain } from './chain.ts';
import { planServer } from './config.ts';
import { NoNextPluginError, PluginSetupError } from './errors.ts';
import { Lifecycle } from './lifecycle.ts';

const request = {} as Request;

function answered(handler: Handler): Reply {
  const result = handler(request);
  if (result instanceof Promise) throw new Error('expected a synchronous reply');
  return result;
}

describe('composeChain', () => {
  it('calls the factories in order, each handing over to the next', () => {
    const calls: string[] = [];
    const passing = (name: string) => (next: Handler) => (r: Request) => (calls.push(name), next(r));
    const final = emptyReply(RCode.NXDOMAIN);
    const chain = composeChain([
      { plugin: 'first', factory: passing('first') },
      { plugin: 'second', factory: passing('second') },
      { plugin: 'third', factory: () => () => final },
    ]);
    expect(answered(chain)).toBe(final);
    expect(calls).toEqual(['first', 'second']);
  });

  it('fails naming the last plugin when no plugin answers, as CoreDNS', () => {
    const chain = composeChain([
      { plugin: 'log', factory: (next) => next },
      { plugin: 'kubernetes', factory: (next) => next },
    ]);
    expect(() => chain(request)).toThrow(new NoNextPluginError('kubernetes'));
    expect(() => chain(request)).toThrow('plugin/kubernetes: no next plugin found');
  });
});

describe('buildBlockChain', () => {
  function blockOf(text: string, definitions: PluginDefinition[]) {
    const registry = new Map(definitions.map((d) => [d.name, d]));
    return planServer(parseCorefile(text, 'Corefile'), { registry }).blocks[0]!;
  }

  it('sets plugins up in execution order with the block context, sharing one map', async () => {
    const contexts: [string, SetupContext][] = [];
    const recording = (name: string): PluginDefinition => ({
      name,
      once: true,
      parse: () => null,
      setup: (_options, context) => {
        contexts.push([name, context]);
        context.shared.set(name, true);
        return {};
      },
    });
    const block = blockOf('example.org example.net {\n whoami\n log\n}\n', [recording('whoami'), recording('log')]);
    const handler = await buildBlockChain(block, '/etc/Corefile', silentLogger, new Lifecycle());
    expect(handler).toBeNull();
    expect(contexts.map(([name]) => name)).toEqual(['log', 'whoami']);
    const [, context] = contexts[0]!;
    expect(context.zones).toEqual(['example.org', 'example.net']);
    expect(context.corefile).toBe('/etc/Corefile');
    expect(contexts[1]![1].shared).toBe(context.shared);
    expect([...context.shared.keys()]).toEqual(['log', 'whoami']);
  });

  it('registers start() and readiness with the lifecycle', async () => {
    const lifecycle = new Lifecycle();
    let started = 0;
    const definition: PluginDefinition = {
      name: 'starter',
      once: true,
      parse: () => null,
      setup: (_options, context) => {
        context.addReadiness({ name: 'starter', ready: () => started > 0 });
        return { start: async () => void started++ };
      },
    };
    await buildBlockChain(blockOf('. {\n starter\n}\n', [definition]), 'Corefile', silentLogger, lifecycle);
    expect(lifecycle.readiness.map((r) => r.ready())).toEqual([false]);
    await lifecycle.start();
    expect(started).toBe(1);
    expect(lifecycle.readiness[0]!.ready()).toBe(true);
  });

  it('names the plugin and its line when setup fails, keeping Corefile errors as they are', async () => {
    const failing = (error: Error): PluginDefinition => ({
      name: 'broken',
      once: true,
      parse: () => null,
      setup: async () => {
        throw error;
      },
    });
    const block = blockOf('. {\n\n broken\n}\n', [failing(new Error('no such file'))]);
    const setupError = await buildBlockChain(block, 'Corefile', silentLogger, new Lifecycle()).catch((e: unknown) => e);
    expect(setupError).toBeInstanceOf(PluginSetupError);
    expect(setupError).toMatchObject({ message: 'plugin/broken: no such file', plugin: 'broken', line: 3 });

    const corefileError = new CorefileError('Corefile', 3, 'bad path', 'broken');
    const again = blockOf('. {\n\n broken\n}\n', [failing(corefileError)]);
    await expect(buildBlockChain(again, 'Corefile', silentLogger, new Lifecycle())).rejects.toBe(corefileError);
  });
});
