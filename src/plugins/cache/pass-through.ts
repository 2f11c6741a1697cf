import { HeaderFlag, RRType } from '../../dns/constants.ts';
import type { DomainName, Query, Reply } from '../../dns/types.ts';
import { hasSignature, type ResponseKind } from './classify.ts';

/** A reply as the client gets it: AD only for clients that asked for DO or AD (RFC 6840 5.7-5.8). */
export function forClient(uniform: Reply, wantsAd: boolean): Reply {
  return wantsAd || (uniform.flags & HeaderFlag.AD) === 0 ? uniform : { ...uniform, flags: uniform.flags & ~HeaderFlag.AD };
}

/** Whether a reply may be stored at all (ResponseFacts.storable, or a kept answer to it). */
export interface Storability {
  storable(kind: ResponseKind): boolean;
}

/**
 * What the cache made of a Reply it passed on without storing: its kind, the seconds it would be
 * cached for, whether it could be stored, and the reply with every TTL set to that time. Kept by
 * Reply object, so a plugin that hands back the same Reply for every query (kubernetes memoizes
 * them) is classified once, not once per query; whether a cache takes it is still decided per
 * query, as it depends on the name (disabled zones, the question it was made for).
 */
export class KnownShape implements Storability {
  readonly kind: ResponseKind;
  readonly seconds: number;
  readonly uniform: Reply;
  private readonly canStore: boolean;
  /** The question it holds for; null for a reply without answers, whose shape no name changes. */
  private readonly name: DomainName | null;
  private readonly type: number;
  private readonly qclass: number;
  private plain: Reply | null = null;

  constructor(query: Query, reply: Reply, kind: ResponseKind, seconds: number, storable: boolean, uniform: Reply) {
    this.kind = kind;
    this.seconds = seconds;
    this.canStore = storable;
    this.uniform = uniform;
    // Without answers, neither the kind nor storability reads the question (only zone transfers do, never kept).
    const anyQuestion = reply.answerCount === 0;
    this.name = anyQuestion ? null : query.name;
    this.type = query.type;
    this.qclass = query.class;
  }

  /** Whether this shape is the one `query` would compute for the same reply. */
  holdsFor(query: Query): boolean {
    if (isTransfer(query.type)) return false;
    return this.name === null || (this.name === query.name && this.type === query.type && this.qclass === query.class);
  }

  storable(): boolean {
    return this.canStore;
  }

  response(wantsAd: boolean): Reply {
    if (wantsAd) return this.uniform;
    return (this.plain ??= forClient(this.uniform, false));
  }
}

/**
 * Whether a shape computed for `query` holds for every later query it fits: not when signature
 * validity decides the kind (an RRSIG is judged at the wall clock), nor for zone transfers (the
 * question type alone makes them Meta).
 */
export function timeless(query: Query, reply: Reply): boolean {
  return !isTransfer(query.type) && !hasSignature(reply);
}

function isTransfer(type: number): boolean {
  return type === RRType.AXFR || type === RRType.IXFR;
}
