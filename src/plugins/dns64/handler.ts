import { isIP } from 'node:net';
import type { Logger } from '../../log.ts';
import { RCode, RRClass, RRType } from '../../dns/constants.ts';
import { withQuestion } from '../../dns/question.ts';
import { emptyReply } from '../../dns/reply.ts';
import { toFqdn } from '../../dns/names.ts';
import type { Reply } from '../../dns/types.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import { withQuery } from '../../toolkit/request.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import { requestsTranslated } from './metrics.ts';
import type { Dns64Options } from './parse.ts';
import { soaTtl, synthesize, wantsSynthesis } from './synthesis.ts';

/** What a failed A query leaves to synthesize from: CoreDNS's server answers it with an empty error reply. */
const NOTHING = emptyReply(RCode.SERVFAIL);

/** Whether the client asked over IPv4 (an IPv4-mapped address counts, as Go's To4 reads it). */
function fromIPv4(address: string): boolean {
  return isIP(address) === 4 || (address.startsWith('::ffff:') && address.includes('.'));
}

/** The synthesized reply last made from one A reply, and the TTL cap it was made with. */
interface Synthesized {
  readonly capTtl: number;
  readonly reply: Reply;
}

/**
 * CoreDNS's dns64: an AAAA question (class IN, from an IPv6 client unless `allow_ipv4`) goes down
 * the chain; when the answer has no AAAA records (or always, with `translate_all`) and is not a
 * name error, the same name's A question goes down the chain too and its answer comes back as
 * AAAA records under the prefix. Synthesized replies are kept per A reply, so shared replies
 * (the kubernetes plugin's, the cache's) are translated once.
 */
export function dns64Handler(options: Dns64Options, logger: Logger): HandlerFactory {
  const { prefix, translateAll, allowIPv4 } = options;
  const made = new WeakMap<Reply, Synthesized>();

  const translated = (request: Request, aReply: Reply, capTtl: number): Reply => {
    if (aReply.silent === true) throw new Error('dns64: the A query was answered with silence');
    requestsTranslated.cell(request.server).inc();
    const known = made.get(aReply);
    if (known !== undefined && known.capTtl === capTtl) return known.reply;
    const reply = synthesize(aReply, request.query.name, capTtl, prefix);
    made.set(aReply, { capTtl, reply });
    return reply;
  };

  const failed = (request: Request, error: unknown): Reply => {
    logger.warn({ err: error, qname: toFqdn(request.query.name) }, 'dns64: the A query failed; synthesizing from an empty answer');
    return NOTHING;
  };

  return (next: Handler): Handler => {
    const askA = (request: Request, aaaaReply: Reply): Reply | Promise<Reply> => {
      const { query } = request;
      const capTtl = soaTtl(aaaaReply);
      let result: Reply | Promise<Reply>;
      try {
        result = next(withQuery(request, withQuestion(query, query.name, RRType.A, RRClass.IN)));
      } catch (error) {
        result = failed(request, error);
      }
      if (!isPromiseLike(result)) return translated(request, result, capTtl);
      return Promise.resolve(result).then(
        (aReply) => translated(request, aReply, capTtl),
        (error: unknown) => translated(request, failed(request, error), capTtl),
      );
    };

    const after = (request: Request, reply: Reply): Reply | Promise<Reply> =>
      wantsSynthesis(reply, translateAll) ? askA(request, reply) : reply;

    return (request) => {
      const { query } = request;
      if (query.type !== RRType.AAAA || query.class !== RRClass.IN || (!allowIPv4 && fromIPv4(request.remoteAddress))) {
        return next(request);
      }
      const result = next(request);
      return isPromiseLike(result) ? Promise.resolve(result).then((reply) => after(request, reply)) : after(request, result);
    };
  };
}
