import { flushStdout, stdoutLine, type LineWriter } from '../../toolkit/console.ts';
import { RRType } from '../../dns/constants.ts';
import { isSubdomain } from '../../dns/names.ts';
import type { DomainName } from '../../dns/types.ts';
import { joinHostPort } from '../../toolkit/host-port.ts';
import type { ThreadLink } from '../../toolkit/threads.ts';
import type { BlockInfo, Handler, PluginDefinition } from '../../toolkit/types.ts';
import { Loop } from './handler.ts';
import { parseLoop } from './parse.ts';

export { Loop } from './handler.ts';

export interface LoopIo {
  readonly write: LineWriter;
  readonly exit: (code: number) => void;
}

/** The listener a block's probe goes to: its first site, as CoreDNS uses the config's first host and port. */
function firstListener(block: BlockInfo): { host: string; port: number } {
  const site = block.sites[0];
  if (site === undefined) return { host: '', port: 0 };
  const address = site.server.slice(site.server.indexOf('://') + 3);
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(colon + 1)) };
}

/** A HINFO query in the zone that a worker thread saw: the main thread's Loop counts it if it is the probe. */
interface Sighting {
  readonly qname: DomainName;
  readonly from: string;
}

const SIGHTED = 'sighted';

function forwardSightings(link: ThreadLink, zone: DomainName, next: Handler): Handler {
  return (request) => {
    const { query } = request;
    if (query.type === RRType.HINFO && isSubdomain(query.name, zone)) {
      const sighting: Sighting = { qname: query.name, from: joinHostPort(request.remoteAddress, request.remotePort) };
      link.call(SIGHTED, sighting).catch(() => {});
    }
    return next(request);
  };
}

/** The loop plugin writing its FATAL line through `write` and ending the process through `exit`. */
export function createLoopPlugin(io: LoopIo): PluginDefinition<null> {
  return {
    name: 'loop',
    once: true,
    parse: parseLoop,
    setup(_options, context) {
      const zone = context.zones[0] ?? '';
      const link = context.threads;
      // One probe per process, the main thread's: a worker tells it what the kernel hashed to it.
      if (link.role === 'worker') return { handler: (next) => forwardSightings(link, zone, next) };
      const loop = new Loop({ zone, write: io.write, exit: io.exit });
      context.onShutdown(() => loop.stop());
      link.serve(SIGHTED, (payload) => {
        const { qname, from } = payload as Sighting;
        return loop.sighted(qname, from);
      });
      return {
        handler: (next) => loop.handler(next),
        attach(block) {
          const { host, port } = firstListener(block);
          loop.listenOn(host, port);
        },
        start: () => {
          loop.start();
          return Promise.resolve();
        },
      };
    },
  };
}

export const loopPlugin = createLoopPlugin({
  write: stdoutLine,
  exit: (code) => {
    flushStdout();
    process.exit(code);
  },
});
