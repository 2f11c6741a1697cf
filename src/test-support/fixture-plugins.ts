import { HeaderFlag, RCode, RRType } from '../dns/constants.ts';
import { prepareReply } from '../dns/reply.ts';
import type { ResourceRecord } from '../dns/types.ts';
import type { Handler, PluginDefinition, Request } from '../toolkit/types.ts';

/** Test-only plugins: their names are not in PLUGIN_ORDER, so they run after every real plugin. */

function txtReply(request: Request, text: string) {
  const { name } = request.query;
  return prepareReply({
    rcode: RCode.NOERROR,
    flags: HeaderFlag.AA,
    qname: name,
    sections: { answer: [{ name, type: RRType.TXT, ttl: 5, text: [text] }], authority: [], additional: [] },
  });
}

function terminal(name: string, handler: Handler): PluginDefinition<null> {
  return { name, once: true, parse: () => null, setup: () => ({ handler: () => handler }) };
}

/** Answers TXT `zone=<the zone the server routed to>`. */
export const zoneEchoPlugin = terminal('zoneecho', (request) => txtReply(request, `zone=${request.zone}`));

/** The number of A records `bigreply` answers: about 1.6 KB, more than 512 and than 1232 bytes. */
export const BIG_REPLY_RECORDS = 100;

/** Answers A with BIG_REPLY_RECORDS addresses 10.0.0.0, 10.0.0.1, ... */
export const bigReplyPlugin = terminal('bigreply', (request) => {
  const { name } = request.query;
  const answer: ResourceRecord[] = Array.from({ length: BIG_REPLY_RECORDS }, (_, i) => ({
    name,
    type: RRType.A,
    ttl: 5,
    address: `10.0.0.${i}`,
  }));
  return prepareReply({ rcode: RCode.NOERROR, flags: HeaderFlag.AA, qname: name, sections: { answer, authority: [], additional: [] } });
});

/** Throws for names whose first label is `sync`, rejects for `async`, else answers TXT `fine`. */
export const explodePlugin = terminal('explode', (request) => {
  const label = request.query.name.split('.')[0];
  if (label === 'sync') throw new Error('fixture exploded');
  if (label === 'async') return Promise.reject(new Error('fixture rejected'));
  return txtReply(request, 'fine');
});

/**
 * Answers TXT with the query name after the delay its first label gives (`d40.x` waits 40 ms,
 * anything else answers at once), so answers on one connection can complete out of order.
 */
export const delayPlugin = terminal('delay', (request) => {
  const match = /^d(\d{1,4})$/.exec(request.query.name.split('.')[0] ?? '');
  if (!match) return txtReply(request, request.query.name);
  return new Promise((resolve) => setTimeout(() => resolve(txtReply(request, request.query.name)), Number(match[1])));
});

/** A plugin whose start() fails, to abort server startup. */
export const failingStartPlugin: PluginDefinition<null> = {
  name: 'failstart',
  once: true,
  parse: () => null,
  setup: () => ({ start: () => Promise.reject(new Error('cannot reach the API')) }),
};

/** A plugin that counts how often its shutdown hook ran, to check cleanup. */
export function shutdownProbe(): { plugin: PluginDefinition<null>; stopped: () => number } {
  let stopped = 0;
  return {
    plugin: {
      name: 'shutdownprobe',
      once: true,
      parse: () => null,
      setup: (_options, context) => {
        context.onShutdown(() => void stopped++);
        return {};
      },
    },
    stopped: () => stopped,
  };
}

/** A plugin whose setup() fails. */
export const failingSetupPlugin: PluginDefinition<null> = {
  name: 'failsetup',
  once: true,
  parse: () => null,
  setup: () => {
    throw new Error('bad configuration');
  },
};

export const fixturePlugins: readonly PluginDefinition[] = [
  zoneEchoPlugin,
  bigReplyPlugin,
  explodePlugin,
  delayPlugin,
  failingStartPlugin,
  failingSetupPlugin,
] as PluginDefinition[];
