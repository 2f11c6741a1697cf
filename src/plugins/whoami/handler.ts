import { isIP } from 'node:net';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { Reply, ResourceRecord } from '../../dns/types.ts';
import type { Handler, Request } from '../../toolkit/types.ts';

/**
 * CoreDNS's whoami: an authoritative, empty answer whose additional section holds the client's
 * address (A or AAAA, named as asked) and `_<transport>.<qname>` SRV carrying the client's port.
 */
export function whoamiReply(request: Request): Reply {
  const { query, remoteAddress, remotePort, transport } = request;
  const cls = query.class;
  const address: ResourceRecord =
    isIP(remoteAddress) === 4
      ? { name: query.name, type: RRType.A, class: cls, ttl: 0, address: remoteAddress }
      : { name: query.name, type: RRType.AAAA, class: cls, ttl: 0, address: remoteAddress };
  const srvName = query.name === '' ? `_${transport}` : `_${transport}.${query.name}`;
  const port: ResourceRecord = {
    name: srvName,
    type: RRType.SRV,
    class: cls,
    ttl: 0,
    priority: 0,
    weight: 0,
    port: remotePort,
    target: '',
  };
  return prepareReply({
    rcode: RCode.NOERROR,
    flags: HeaderFlag.AA,
    qname: query.name,
    sections: { answer: [], authority: [], additional: [address, port] },
  });
}

/** whoami answers everything that reaches it: it never calls the rest of the chain. */
export const whoamiHandler: Handler = whoamiReply;
