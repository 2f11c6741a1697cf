import { describe, expect, it } from 'vitest';
import { parseCorefile } from '../corefile/parse.ts';
import { CorefileError } from '../corefile/types.ts';
import { RCode, RRType } from '../dns/constants.ts';
import { emptyReply } from '../dns/reply.ts';
import type { Reply } from '../dns/types.ts';
import { silentLogger } from '../log.ts';
import { queryFor } from '../test-support/request.ts';
import type { BlockInfo, Handler, PluginDefinition, PluginInstance, Request, ServerControl, SetupContext } from '../toolkit/types.ts';
import { bindPlugin } from '../plugins/bind/index.ts';
import { buildBlockChain, buildChains, composeChain, routingFor } from './chain.ts';
import { planServer } from './config.ts';
import { NoNextPluginError, PluginSetupError } from './errors.ts';
import { Lifecycle } from './lifecycle.ts';
import { answeringPlugin, ServerRequest } from '../toolkit/request.ts';

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

function serverRequest(): ServerRequest {
  const from = { transport: 'udp', remoteAddress: '127.0.0.1', remotePort: 5000, localAddress: '127.0.0.1', localPort: 53 } as const;
  return new ServerRequest({ query: queryFor('example.org', RRType.A), from, server: 'dns://:53', zone: '' });
}

const answer = emptyReply(RCode.NOERROR);
const passing = (next: Handler): Handler => (request) => next(request);
const answering = (): Handler => () => answer;

describe('composeChain with answer tracking', () => {
  it('names the plugin that returned the reply, not those that passed it through', async () => {
    const chain = composeChain(
      [
        { plugin: 'prometheus', factory: passing },
        { plugin: 'cache', factory: passing },
        { plugin: 'kubernetes', factory: answering },
      ],
      { trackAnswers: true },
    );
    const request = serverRequest();
    expect(chain(request)).toBe(answer);
    expect(answeringPlugin(request)).toBe('kubernetes');
  });

  it('names a plugin answering asynchronously, and nobody when the chain fails', async () => {
    const chain = composeChain(
      [
        { plugin: 'log', factory: passing },
        { plugin: 'forward', factory: () => () => Promise.resolve(answer) },
      ],
      { trackAnswers: true },
    );
    const request = serverRequest();
    await expect(chain(request)).resolves.toBe(answer);
    expect(answeringPlugin(request)).toBe('forward');

    const failing = composeChain([{ plugin: 'log', factory: passing }], { trackAnswers: true });
    const unanswered = serverRequest();
    expect(() => failing(unanswered)).toThrow('no next plugin found');
    expect(answeringPlugin(unanswered)).toBe('');
  });

  it('records nothing without tracking', () => {
    const request = serverRequest();
    composeChain([{ plugin: 'whoami', factory: answering }])(request);
    expect(answeringPlugin(request)).toBe('');
  });
});

describe('buildBlockChain and the instance hooks', () => {
  it('attaches instances to their block and server, tracks answers on request, registers before-stop', async () => {
    const attached: BlockInfo[] = [];
    let stopped = 0;
    const ops: PluginDefinition = {
      name: 'ops',
      once: true,
      parse: () => null,
      setup: (): PluginInstance => ({
        tracksAnswers: true,
        attach: (block) => void attached.push(block),
        beforeStop: async () => void stopped++,
      }),
    };
    const ready: PluginDefinition = {
      name: 'answer',
      once: true,
      parse: () => null,
      setup: (_options, context) => {
        context.addReadiness({ name: 'answer', ready: () => true });
        return { handler: answering };
      },
    };
    const registry = new Map([ops, ready, bindPlugin as PluginDefinition].map((d) => [d.name, d]));
    const plan = planServer(parseCorefile('a.test:1053 b.test:1053 {\n bind 127.0.0.1 ::1\n ops\n answer\n}\n', 'Corefile'), {
      registry,
    });
    const lifecycle = new Lifecycle();
    const server: ServerControl = { corefile: { file: 'Corefile', blocks: [], files: [] }, reload: async () => {} };
    const chain = await buildBlockChain(plan.blocks[0]!, 'Corefile', silentLogger, lifecycle, server);
    expect(attached).toHaveLength(1);
    expect(attached[0]!.handlers).toEqual(['answer']);
    expect(attached[0]!.listenHosts).toEqual(['127.0.0.1', '::1']);
    expect(attached[0]!.readiness.map((r) => r.name)).toEqual(['answer']);
    expect(attached[0]!.sites).toEqual([
      { server: 'dns://127.0.0.1:1053', zone: 'a.test' },
      { server: 'dns://[::1]:1053', zone: 'a.test' },
      { server: 'dns://127.0.0.1:1053', zone: 'b.test' },
      { server: 'dns://[::1]:1053', zone: 'b.test' },
    ]);
    const request = serverRequest();
    chain!(request);
    expect(answeringPlugin(request)).toBe('answer');
    await lifecycle.runBeforeStop(silentLogger);
    expect(stopped).toBe(1);
  });
});

describe('buildChains and routingFor', () => {
  const answerer = (name: string): PluginDefinition => ({ name, once: true, parse: () => null, setup: () => ({ handler: answering }) });
  const configuring = (name: string): PluginDefinition => ({ name, once: true, parse: () => null, setup: () => ({}) });
  const registry = new Map([answerer('whoami'), answerer('forward'), configuring('health')].map((d) => [d.name, d]));

  it("routes each key zone of a listener to its block's chain, null for a block without handlers", async () => {
    const text = 'a.test b.test:1053 {\n whoami\n}\nc.test:1053 {\n health\n}\n';
    const plan = planServer(parseCorefile(text, 'Corefile'), { registry });
    const chains = await buildChains(plan, silentLogger, new Lifecycle(), { corefile: { file: '', blocks: [], files: [] }, reload: async () => {} });
    const listener = plan.listeners.find((l) => l.port === 1053)!;
    const routing = routingFor(listener, chains);
    expect(routing.routes.map((route) => [route.zone, route.handler === null])).toEqual([
      ['b.test', false],
      ['c.test', true],
    ]);
    expect(routing.routes[0]!.handler).toBe(chains.byBlock.get(plan.blocks[0]!));
    expect(routing.acceptAnyClass).toBe(false);
    expect(routing.pending).toBe(chains.pending);
  });

  it('lets classes other than IN through on a listener where a block forwards', async () => {
    const plan = planServer(parseCorefile('. {\n forward\n}\n', 'Corefile'), { registry });
    const chains = await buildChains(plan, silentLogger, new Lifecycle(), { corefile: { file: '', blocks: [], files: [] }, reload: async () => {} });
    expect(routingFor(plan.listeners[0]!, chains).acceptAnyClass).toBe(true);
  });
});
