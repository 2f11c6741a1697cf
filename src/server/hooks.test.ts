import { describe, expect, it } from 'vitest';
import { queryFor } from '../../test/helpers/request.ts';
import { parseCorefile } from '../corefile/parse.ts';
import { RCode, RRType } from '../dns/constants.ts';
import { emptyReply } from '../dns/reply.ts';
import { silentLogger } from '../log.ts';
import type { Handler, PluginDefinition } from '../plugin/types.ts';
import { bindPlugin } from '../plugins/bind/index.ts';
import { buildBlockChain, composeChain } from './chain.ts';
import { planServer } from './config.ts';
import type { BlockInfo, OperationsInstance, ServerControl } from './hooks.ts';
import { Lifecycle } from './lifecycle.ts';
import { answeringPlugin, ServerRequest } from './request.ts';

function serverRequest(): ServerRequest {
  return new ServerRequest(queryFor('example.org', RRType.A), 'udp', '127.0.0.1', 5000, '127.0.0.1', 53, 'dns://:53', '');
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

describe('buildBlockChain and the operations hooks', () => {
  it('attaches instances to their block and server, tracks answers on request, registers before-stop', async () => {
    const attached: BlockInfo[] = [];
    let stopped = 0;
    const ops: PluginDefinition = {
      name: 'ops',
      once: true,
      parse: () => null,
      setup: (): OperationsInstance => ({
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
