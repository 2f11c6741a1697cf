import { hostname } from 'node:os';
import { RCode, RRClass, RRType } from '../../dns/constants.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply, ResourceRecord } from '../../dns/types.ts';
import type { Handler, HandlerFactory } from '../../toolkit/types.ts';
import { trimText, type ChaosOptions } from './parse.ts';

const AUTHORS_NAME = 'authors.bind';

/** CoreDNS's answer: not authoritative, TTL 0, class CH, the owner as asked. */
function txtReply(name: DomainName, texts: readonly string[]): Reply {
  const answer: ResourceRecord[] = texts.map((text) => ({ name, type: RRType.TXT, class: RRClass.CH, ttl: 0, text: [text] }));
  return prepareReply({ rcode: RCode.NOERROR, flags: 0, qname: name, sections: { answer, authority: [], additional: [] } });
}

function shuffled(items: readonly string[]): string[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const picked = copy[j]!;
    copy[j] = copy[i]!;
    copy[i] = picked;
  }
  return copy;
}

/**
 * CoreDNS's chaos: CH TXT questions for version.bind and version.server get the version,
 * hostname.bind and id.server the host's name, authors.bind one record per author in an order
 * drawn anew each second (CoreDNS seeds its shuffle with the time in seconds); every other
 * question goes on down the chain. The fixed answers are made once.
 */
export function chaosHandler(options: ChaosOptions): HandlerFactory {
  const host = trimText(hostname() || 'localhost');
  const fixed = new Map<DomainName, Reply>([
    ['version.bind', txtReply('version.bind', [options.version])],
    ['version.server', txtReply('version.server', [options.version])],
    ['hostname.bind', txtReply('hostname.bind', [host])],
    ['id.server', txtReply('id.server', [host])],
  ]);
  let authorsSecond = -1;
  let authors: Reply | null = null;
  const authorsReply = (): Reply => {
    const second = Math.floor(Date.now() / 1000);
    if (authors === null || second !== authorsSecond) {
      authors = txtReply(AUTHORS_NAME, shuffled(options.authors));
      authorsSecond = second;
    }
    return authors;
  };
  return (next: Handler): Handler =>
    (request) => {
      const { query } = request;
      if (query.class !== RRClass.CH || query.type !== RRType.TXT) return next(request);
      if (query.name === AUTHORS_NAME) return authorsReply();
      return fixed.get(query.name) ?? next(request);
    };
}
